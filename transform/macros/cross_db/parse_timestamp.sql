{# Lenient TIMESTAMP from an ISO-8601 text (offset honoured, result in UTC) or from a column
   the loader already typed as TIMESTAMP. Unparseable text gives NULL. #}
{% macro parse_timestamp(value) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'callio')(value)) }}
{%- endmacro %}

{% macro default__parse_timestamp(value) -%}
    try_cast(cast({{ value }} as varchar) as timestamp)
{%- endmacro %}

{# BigQuery's canonical timestamp text accepts the 'T' separator, fractions, 'Z' and offsets, and
   target-bigquery already lands date-time fields as TIMESTAMP; a plain SAFE_CAST covers both
   (PARSE_TIMESTAMP with %E*S is avoided: the BigQuery emulator used in CI cannot run it). #}
{% macro bigquery__parse_timestamp(value) -%}
    safe_cast(cast({{ value }} as string) as timestamp)
{%- endmacro %}
