{# Lenient TIMESTAMP from an ISO-8601 text (offset honoured, result in UTC) or from a column
   the loader already typed as TIMESTAMP. Unparseable text gives NULL. #}
{% macro parse_timestamp(value) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'callio')(value)) }}
{%- endmacro %}

{% macro default__parse_timestamp(value) -%}
    try_cast(cast({{ value }} as varchar) as timestamp)
{%- endmacro %}

{% macro bigquery__parse_timestamp(value) -%}
    coalesce(safe_cast(cast({{ value }} as string) as timestamp),
             safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S%Ez', cast({{ value }} as string)),
             safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*SZ', cast({{ value }} as string)))
{%- endmacro %}
