{#- Call-centre KPIs per staff member and local day: exactly one row for every row of
    fact_staff_daily (same Ngay, Tenant, MaNV_id, Team, MaNV), from the same calls (call_log
    with a staff id). Refreshed like fact_staff_daily (macros/report_refresh.sql): the window,
    every older day that received calls since the last build or whose callbacks such calls may
    change (the var callback_window_hours before them), and every older day where its rows and
    fact_staff_daily's differ. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'append'),
    partition_by=({'field': 'Ngay', 'data_type': 'date', 'granularity': 'day'}
                  if target.type == 'bigquery' else none),
    cluster_by=(['Tenant', 'MaNV_id'] if target.type == 'bigquery' else none),
    pre_hook="{{ callio.delete_days_to_rebuild(callio.agent_kpi_changed_days()) }}",
    on_schema_change='append_new_columns'
) }}

{%- set float64 = callio.type_float64() %}

with {{ callio.older_days_to_build_cte(callio.agent_kpi_changed_days()) }},

staff_days as (
    select fact.Ngay, fact.Tenant, fact.MaNV_id, fact.Team, fact.MaNV
    from {{ ref('fact_staff_daily') }} as fact
    where {{ callio.in_days_to_build('fact.Tenant', 'fact.Ngay') }}
),

calls as (
    select
        call_log.tenant,
        call_log.NgayTao as Ngay,
        call_log.fromUser__id as staff_id,
        call_log._id,
        call_log.createTime,
        call_log.direction_class,
        coalesce(call_log.billDuration, 0) as billDuration,
        -- wait of an answered call: known when both times are set (> 0) and in order
        case when call_log.answerTime > 0 and call_log.startTime > 0
                  and call_log.answerTime >= call_log.startTime
             then call_log.answerTime - call_log.startTime end as wait_ms,
        call_log.customer_number_normalized
    from {{ ref('call_log') }} as call_log
    where call_log.fromUser__id is not null
      and call_log.NgayTao is not null
      and {{ callio.in_days_to_build('call_log.tenant', 'call_log.NgayTao') }}
),

-- the missed inbound calls of `calls`, and which were called back, how soon
{{ callio.missed_inbound_callbacks_ctes('calls') }},

call_metrics as (
    select
        calls.tenant,
        calls.Ngay,
        calls.staff_id,
        {%- for class in ['outbound', 'inbound', 'internal', 'other'] %}
        sum(case when calls.direction_class = '{{ class }}' then 1 else 0 end) as calls_{{ class }},
        {%- endfor %}
        sum(case when calls.direction_class = 'outbound' and calls.billDuration > 0 then 1 else 0 end)
            as answered_outbound,
        sum(case when calls.direction_class = 'inbound' and calls.billDuration > 0 then 1 else 0 end)
            as answered_inbound,
        sum(case when calls.billDuration > 0 then 1 else 0 end) as answered,
        sum(case when calls.billDuration > 0 then calls.billDuration else 0 end) as talk_s,
        sum(case when calls.billDuration > 0 and calls.wait_ms is not null then 1 else 0 end) as waits_known,
        sum(case when calls.billDuration > 0 then calls.wait_ms end) as wait_ms,
        sum(case when calls.direction_class = 'inbound' and calls.billDuration <= 0 then 1 else 0 end)
            as missed_inbound,
        count(callbacks._id) as missed_inbound_called_back,
        sum(callbacks.callback_delay_ms) as callback_delay_ms
    from calls
    left join callbacks
        on calls.tenant = callbacks.tenant and calls._id = callbacks._id
    group by calls.tenant, calls.Ngay, calls.staff_id
),

counts as (
    select
        staff_days.Ngay,
        staff_days.Tenant,
        staff_days.MaNV_id,
        staff_days.Team,
        staff_days.MaNV,
        {%- for column in ['calls_outbound', 'calls_inbound', 'calls_internal', 'calls_other',
                           'answered_outbound', 'answered_inbound', 'answered', 'talk_s', 'waits_known',
                           'missed_inbound', 'missed_inbound_called_back'] %}
        cast(coalesce(call_metrics.{{ column }}, 0) as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        call_metrics.wait_ms,
        call_metrics.callback_delay_ms
    from staff_days
    left join call_metrics
        on staff_days.Tenant = call_metrics.tenant
        and staff_days.Ngay = call_metrics.Ngay
        and staff_days.MaNV_id = call_metrics.staff_id
)

-- Averages and rates divide integer sums once (exact until then, the same on both engines and
-- in the oracle); NULL where nothing was counted.
select
    Ngay,
    Tenant,
    Team,
    MaNV_id,
    MaNV,
    calls_outbound,
    calls_inbound,
    calls_internal,
    calls_other,
    answered_outbound,
    answered_inbound,
    case when calls_outbound > 0
         then cast(answered_outbound as {{ float64 }}) / calls_outbound end as answer_rate_outbound,
    case when calls_inbound > 0
         then cast(answered_inbound as {{ float64 }}) / calls_inbound end as answer_rate_inbound,
    case when answered > 0 then cast(talk_s as {{ float64 }}) / answered end as avg_talk_s,
    case when waits_known > 0 then cast(wait_ms as {{ float64 }}) / (1000 * waits_known) end as avg_wait_s,
    missed_inbound,
    missed_inbound_called_back,
    case when missed_inbound_called_back > 0
         then cast(callback_delay_ms as {{ float64 }}) / (1000 * missed_inbound_called_back) end
        as avg_callback_delay_s,
    current_timestamp as _ingested_at,
    {{ callio.newest_merged_load() }} as _load_watermark
from counts
