{#- Callbacks of missed inbound calls (warehouse spec, "Call-centre KPIs"): a missed inbound call
    is called back when an outbound call of the same tenant to the same customer number, by
    anyone, has a createTime strictly after it and at most var callback_window_hours later; the
    delay is the time to the first such call. tests/oracle/report.py computes the same. -#}

{#- var callback_window_hours (default 24; CALLIO_CALLBACK_WINDOW_HOURS), as a positive number. -#}
{% macro callback_window_hours() -%}
    {%- set text = var('callback_window_hours') | string | trim -%}
    {%- set hours = text | float(-1) -%}
    {%- if hours <= 0 -%}
        {{ exceptions.raise_compiler_error("var callback_window_hours (CALLIO_CALLBACK_WINDOW_HOURS) must be a "
                                           ~ "number of hours above 0, not '" ~ text ~ "'") }}
    {%- endif -%}
    {{ return(hours) }}
{%- endmacro %}

{% macro callback_window_ms() -%}
    {{ return((callio.callback_window_hours() * 3600000) | round | int) }}
{%- endmacro %}

{#- How many local days after a missed call its callback can fall: the days a new call can
    change besides its own. -#}
{% macro callback_window_days() -%}
    {%- set days = callio.callback_window_hours() / 24 -%}
    {{ return(days | round(0, 'ceil') | int) }}
{%- endmacro %}

{#- CTE `callbacks` (tenant, _id, callback_delay_ms): the missed calls of `missed` (columns
    tenant, _id, createTime, customer_number_normalized) that were called back by a call of
    `outbound` (tenant, createTime, customer_number_normalized), with the delay in ms. -#}
{% macro callbacks_cte(missed, outbound) -%}
callbacks as (
    select
        missed.tenant,
        missed._id,
        min(outbound.createTime) - missed.createTime as callback_delay_ms
    from {{ missed }} as missed
    inner join {{ outbound }} as outbound
        on missed.tenant = outbound.tenant
        and missed.customer_number_normalized = outbound.customer_number_normalized
        and outbound.createTime > missed.createTime
        and outbound.createTime <= missed.createTime + {{ callio.callback_window_ms() }}
    group by missed.tenant, missed._id, missed.createTime
)
{%- endmacro %}

{#- CTEs `missed_inbound`, `outbound` and `callbacks` for a report table: the missed inbound calls
    of `calls` (the table's calls of the days it builds: tenant, _id, createTime,
    customer_number_normalized, direction_class, billDuration) and every outbound call of
    call_log that can be their callback, by anyone, from the first day built on (in an
    incremental run: the window's first day, or the oldest day of the CTE `older_days_to_build`). -#}
{% macro missed_inbound_callbacks_ctes(calls) -%}
missed_inbound as (
    select tenant, _id, createTime, customer_number_normalized
    from {{ calls }}
    where direction_class = 'inbound' and billDuration <= 0
),

outbound as (
    select call_log.tenant, call_log.createTime, call_log.customer_number_normalized
    from {{ ref('call_log') }} as call_log
    where call_log.direction_class = 'outbound'
      and call_log.customer_number_normalized is not null
    {%- if is_incremental() %}
      and (call_log.NgayTao >= {{ callio.date_literal(callio.report_window_start()) }}
           or call_log.NgayTao >= (select min(Ngay) from older_days_to_build))
    {%- endif %}
),

{{ callio.callbacks_cte('missed_inbound', 'outbound') }}
{%- endmacro %}
