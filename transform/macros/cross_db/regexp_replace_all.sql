{# Replace every match of an RE2 pattern (both engines use RE2). `pattern` is a SQL string
   literal body (no quotes); backslashes are passed through. #}
{% macro regexp_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'callio')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{# BigQuery string literals treat backslash as an escape: use a raw string. #}
{% macro bigquery__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, r'{{ pattern }}', '{{ replacement }}')
{%- endmacro %}
