{# "Today" in the business time zone (var report_today overrides it), as a date. #}
{% macro report_today() -%}
    {%- if var('report_today', none) -%}
        {{ return(modules.datetime.date.fromisoformat(var('report_today') | string)) }}
    {%- endif -%}
    {%- set now_local = modules.datetime.datetime.now(modules.pytz.timezone(var('business_tz'))) -%}
    {{ return(now_local.date()) }}
{%- endmacro %}

{# First local day recomputed by an incremental run of fact_staff_daily. #}
{% macro report_window_start() -%}
    {{ return(callio.report_today() - modules.datetime.timedelta(days=var('report_lookback_days') | int)) }}
{%- endmacro %}

{# SQL date literal. #}
{% macro date_literal(d) -%}
    date '{{ d.isoformat() }}'
{%- endmacro %}

{# var report_tenants as a list; a comma-separated string ("PK,HN") is accepted too, so the
   value can come from an environment variable or a command line. #}
{% macro report_tenant_list() -%}
    {%- set tenants = var('report_tenants') -%}
    {%- if tenants is string -%}
        {%- set tenants = tenants.split(',') -%}
    {%- endif -%}
    {{ return(tenants | map('trim') | reject('equalto', '') | list) }}
{%- endmacro %}
