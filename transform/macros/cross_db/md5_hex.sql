{# Lower-case hex MD5 of a string: DuckDB md5() and BigQuery to_hex(md5()) agree. #}
{% macro md5_hex(text) -%}
    {{ return(adapter.dispatch('md5_hex', 'callio')(text)) }}
{%- endmacro %}

{% macro default__md5_hex(text) -%}
    md5({{ text }})
{%- endmacro %}

{% macro bigquery__md5_hex(text) -%}
    to_hex(md5({{ text }}))
{%- endmacro %}
