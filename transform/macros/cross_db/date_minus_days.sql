{# A DATE `days` days before `date` (`days` an integer expression, a column too). #}
{% macro date_minus_days(date, days) -%}
    {{ return(adapter.dispatch('date_minus_days', 'callio')(date, days)) }}
{%- endmacro %}

{% macro default__date_minus_days(date, days) -%}
    cast({{ date }} - cast({{ days }} as integer) as date)
{%- endmacro %}

{% macro bigquery__date_minus_days(date, days) -%}
    date_sub({{ date }}, interval {{ days }} day)
{%- endmacro %}
