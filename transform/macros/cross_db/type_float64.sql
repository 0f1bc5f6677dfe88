{# A 64-bit float type (dbt.type_float() may be 32-bit on some adapters). #}
{% macro type_float64() -%}
    {{ return(adapter.dispatch('type_float64', 'callio')()) }}
{%- endmacro %}

{% macro default__type_float64() -%}double{%- endmacro %}

{% macro bigquery__type_float64() -%}float64{%- endmacro %}
