{#- One row per (Ngay, Tenant, MaNV_id): a staff member's activity on one local day.
    Incremental runs rebuild today and the previous var('report_lookback_days') local days, and
    every older (tenant, day) that received calls, or customers assigned that day, since the
    last build (macros/report_refresh.sql): the pre-hook deletes those days, the model inserts
    them again, so a row whose source vanished disappears; other older days stay frozen. A full
    refresh rebuilds every day. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'append'),
    partition_by=({'field': 'Ngay', 'data_type': 'date', 'granularity': 'day'}
                  if target.type == 'bigquery' else none),
    cluster_by=(['Tenant', 'MaNV_id'] if target.type == 'bigquery' else none),
    pre_hook="{{ callio.delete_days_to_rebuild(callio.staff_daily_changed_days()) }}",
    on_schema_change='append_new_columns'
) }}

with {{ callio.older_days_to_build_cte(callio.staff_daily_changed_days()) }},

calls as (
    select
        call_log.tenant,
        call_log.NgayTao as Ngay,
        call_log.fromUser__id as staff_id,
        call_log.fromUser__name,
        call_log.fromGroup__id,
        call_log.createTime,
        coalesce(call_log.billDuration, 0) as billDuration,
        call_log.startTime,
        call_log.endTime,
        call_log.customer_number_normalized
    from {{ ref('call_log') }} as call_log
    where call_log.fromUser__id is not null
      and call_log.NgayTao is not null
      and {{ callio.in_days_to_build('call_log.tenant', 'call_log.NgayTao') }}
),

assignments as (
    select
        customer.tenant,
        customer.NgayAssign as Ngay,
        customer.user_id as staff_id,
        customer.user_name,
        customer._id,
        customer.assignedTime
    from {{ ref('customer') }} as customer
    where customer.user_id is not null
      and customer.NgayAssign is not null
      and {{ callio.in_days_to_build('customer.tenant', 'customer.NgayAssign') }}
),

groups as (
    select tenant, group_id, name from {{ ref('group') }}
),

call_metrics as (
    select
        calls.tenant,
        calls.Ngay,
        calls.staff_id,
        count(*) as TongCuoc,
        count(distinct calls.customer_number_normalized) as SoSDT_Unique,
        cast(sum(case when calls.billDuration > 0 then 1 else 0 end) as {{ dbt.type_bigint() }})
            as SoCuoc_NoiMay,
        cast(sum(case when calls.billDuration > 0 then 0 else 1 end) as {{ dbt.type_bigint() }})
            as SoCuoc_KhongNoiMay,
        cast(sum(case when calls.billDuration > 0 then calls.billDuration else 0 end)
             as {{ dbt.type_bigint() }}) as TongThoiluongGoi_Giay,
        -- ringing in ms: (endTime - startTime) - 1000 * billDuration, floored at 0; integer
        -- sums keep the result exact and engine-independent until the final division
        cast(sum(case when calls.billDuration > 0 then 0
                      else greatest(coalesce(calls.endTime - calls.startTime, 0)
                                    - 1000 * calls.billDuration, 0) end)
             as {{ dbt.type_bigint() }}) as ringing_ms,
        max(calls.createTime) as max_create_ms,
        min(calls.fromUser__name) as call_staff_name,
        min(groups.name) as call_group_name
    from calls
    left join groups
        on calls.tenant = groups.tenant and calls.fromGroup__id = groups.group_id
    group by calls.tenant, calls.Ngay, calls.staff_id
),

called_numbers as (
    select distinct tenant, Ngay, staff_id, customer_number_normalized as number
    from calls
    where customer_number_normalized is not null
),

status_metrics as (
    select
        called_numbers.tenant,
        called_numbers.Ngay,
        called_numbers.staff_id,
        {%- for category in ['KetBanZalo', 'CoNhuCau', 'TuChoi', 'KhongNgheMay'] %}
        count(distinct case when categories.category = '{{ category }}'
                            then called_numbers.number end) as SoSDT_{{ category }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from called_numbers
    inner join {{ ref('int_customer_number_categories') }} as categories
        on called_numbers.tenant = categories.tenant
        and called_numbers.number = categories.phone_normalized
    group by called_numbers.tenant, called_numbers.Ngay, called_numbers.staff_id
),

assignment_metrics as (
    select
        tenant,
        Ngay,
        staff_id,
        count(distinct _id) as SoDataNhan,
        max(assignedTime) as max_assigned_ms,
        min(user_name) as assigned_staff_name
    from assignments
    group by tenant, Ngay, staff_id
),

row_keys as (
    select tenant, Ngay, staff_id from call_metrics
    union distinct
    select tenant, Ngay, staff_id from assignment_metrics
),

{{ callio.staff_in_snapshot_cte('groups') }}

select
    row_keys.Ngay,
    row_keys.tenant as Tenant,
    coalesce(staff_in_snapshot.group_name, call_metrics.call_group_name, 'Unassigned') as Team,
    row_keys.staff_id as MaNV_id,
    coalesce(staff_in_snapshot.name, call_metrics.call_staff_name,
             assignment_metrics.assigned_staff_name) as MaNV,
    coalesce(call_metrics.TongCuoc, 0) as TongCuoc,
    coalesce(call_metrics.SoSDT_Unique, 0) as SoSDT_Unique,
    coalesce(call_metrics.SoCuoc_NoiMay, 0) as SoCuoc_NoiMay,
    coalesce(call_metrics.SoCuoc_KhongNoiMay, 0) as SoCuoc_KhongNoiMay,
    coalesce(call_metrics.TongThoiluongGoi_Giay, 0) as TongThoiluongGoi_Giay,
    cast(coalesce(call_metrics.ringing_ms, 0) as {{ callio.type_float64() }}) / 1000
        as TongRungChuong_Giay,
    coalesce(assignment_metrics.SoDataNhan, 0) as SoDataNhan,
    coalesce(status_metrics.SoSDT_KetBanZalo, 0) as SoSDT_KetBanZalo,
    coalesce(status_metrics.SoSDT_CoNhuCau, 0) as SoSDT_CoNhuCau,
    coalesce(status_metrics.SoSDT_TuChoi, 0) as SoSDT_TuChoi,
    coalesce(status_metrics.SoSDT_KhongNgheMay, 0) as SoSDT_KhongNgheMay,
    call_metrics.max_create_ms,
    assignment_metrics.max_assigned_ms,
    current_timestamp as _ingested_at,
    -- the epoch-ms maxima as local times, like Ngay (new columns after the old script's)
    {{ callio.epoch_ms_to_local_timestamp('call_metrics.max_create_ms') }} as max_create_local,
    {{ callio.epoch_ms_to_local_timestamp('assignment_metrics.max_assigned_ms') }} as max_assigned_local,
    -- the newest load the marts held: the next run rebuilds older days loaded after it
    {{ callio.newest_merged_load() }} as _load_watermark
from row_keys
left join call_metrics
    on row_keys.tenant = call_metrics.tenant
    and row_keys.Ngay = call_metrics.Ngay
    and row_keys.staff_id = call_metrics.staff_id
left join assignment_metrics
    on row_keys.tenant = assignment_metrics.tenant
    and row_keys.Ngay = assignment_metrics.Ngay
    and row_keys.staff_id = assignment_metrics.staff_id
left join status_metrics
    on row_keys.tenant = status_metrics.tenant
    and row_keys.Ngay = status_metrics.Ngay
    and row_keys.staff_id = status_metrics.staff_id
left join staff_in_snapshot
    on row_keys.tenant = staff_in_snapshot.tenant
    and row_keys.staff_id = staff_in_snapshot.staff_id
