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
