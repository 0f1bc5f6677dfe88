{#- Calls per local day, local hour of createTime (Gio, 0-23) and team: one row per
    (Ngay, Tenant, Gio, Team) with at least one call. Every call counts, calls without a staff
    member too (queues, IVR), so abandoned inbound calls show. Team: for a staff member's call,
    the same Team as the member's fact_staff_daily row of that day (the group of the latest
    staff snapshot, else the smallest fromGroup name of the member's calls that day, else
    'Unassigned'); for a call without a staff member, the name of its fromGroup, else
    'Unassigned'. Refreshed like fact_staff_daily (macros/report_refresh.sql): the window, and
    every older day that received calls since the last build or whose callbacks they may change.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'append'),
    partition_by=({'field': 'Ngay', 'data_type': 'date', 'granularity': 'day'}
                  if target.type == 'bigquery' else none),
    cluster_by=(['Tenant', 'Team'] if target.type == 'bigquery' else none),
    pre_hook="{{ callio.delete_days_to_rebuild(callio.calls_hourly_changed_days()) }}",
    on_schema_change='append_new_columns'
) }}

with {{ callio.older_days_to_build_cte(callio.calls_hourly_changed_days()) }},

groups as (
    select tenant, group_id, name from {{ ref('group') }}
),

calls as (
    select
        call_log.tenant,
        call_log.NgayTao as Ngay,
        cast(extract(hour from call_log.createTime_local) as {{ dbt.type_bigint() }}) as Gio,
        call_log._id,
        call_log.createTime,
        call_log.fromUser__id as staff_id,
        call_group.name as call_group_name,
        call_log.direction_class,
        coalesce(call_log.billDuration, 0) as billDuration,
        call_log.customer_number_normalized
    from {{ ref('call_log') }} as call_log
    left join groups as call_group
        on call_log.tenant = call_group.tenant and call_log.fromGroup__id = call_group.group_id
    where call_log.NgayTao is not null
      and {{ callio.in_days_to_build('call_log.tenant', 'call_log.NgayTao') }}
),

-- fact_staff_daily's fallback: the smallest fromGroup name of the member's calls that day
staff_day_groups as (
    select tenant, Ngay, staff_id, min(call_group_name) as group_name
    from calls
    where staff_id is not null
    group by tenant, Ngay, staff_id
),

{{ callio.staff_in_snapshot_cte('groups') }},

-- the missed inbound calls of `calls`, and which were called back, how soon
{{ callio.missed_inbound_callbacks_ctes('calls') }},

calls_with_team as (
    select
        calls.*,
        case when calls.staff_id is null then coalesce(calls.call_group_name, 'Unassigned')
             else coalesce(staff_in_snapshot.group_name, staff_day_groups.group_name, 'Unassigned')
        end as Team,
        callbacks._id is not null as called_back
    from calls
    left join staff_day_groups
        on calls.tenant = staff_day_groups.tenant
        and calls.Ngay = staff_day_groups.Ngay
        and calls.staff_id = staff_day_groups.staff_id
    left join staff_in_snapshot
        on calls.tenant = staff_in_snapshot.tenant and calls.staff_id = staff_in_snapshot.staff_id
    left join callbacks
        on calls.tenant = callbacks.tenant and calls._id = callbacks._id
)

select
    Ngay,
    tenant as Tenant,
    Gio,
    Team,
    {%- for class in ['outbound', 'inbound', 'internal', 'other'] %}
    cast(sum(case when direction_class = '{{ class }}' then 1 else 0 end) as {{ dbt.type_bigint() }})
        as calls_{{ class }},
    {%- endfor %}
    cast(sum(case when direction_class = 'outbound' and billDuration > 0 then 1 else 0 end)
         as {{ dbt.type_bigint() }}) as answered_outbound,
    cast(sum(case when direction_class = 'inbound' and billDuration > 0 then 1 else 0 end)
         as {{ dbt.type_bigint() }}) as answered_inbound,
    cast(sum(case when direction_class = 'inbound' and billDuration <= 0 then 1 else 0 end)
         as {{ dbt.type_bigint() }}) as missed_inbound,
    cast(sum(case when called_back then 1 else 0 end) as {{ dbt.type_bigint() }}) as missed_inbound_called_back,
    cast(sum(case when billDuration > 0 then billDuration else 0 end) as {{ dbt.type_bigint() }}) as talk_s,
    current_timestamp as _ingested_at,
    {{ callio.newest_merged_load() }} as _load_watermark
from calls_with_team
group by Ngay, tenant, Gio, Team
