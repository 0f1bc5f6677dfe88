{# Lenient casts for raw columns that a loader may type as numbers or as numeric text
   ("1727400000000", "1727400000000.0", 1.7274e12). Unparseable values give NULL.
   Going through a 64-bit float is exact for every integer below 2^53 (epoch ms included). #}
{% macro to_int64(value) -%}
    {{ return(adapter.dispatch('to_int64', 'callio')(value)) }}
{%- endmacro %}

{% macro default__to_int64(value) -%}
    cast(round(try_cast(trim(cast({{ value }} as varchar)) as double)) as bigint)
{%- endmacro %}

{% macro bigquery__to_int64(value) -%}
    cast(round(safe_cast(trim(cast({{ value }} as string)) as float64)) as int64)
{%- endmacro %}

{# Text, trimmed of ASCII whitespace (RE2 \s, identical on both engines, unlike trim()); empty
   text becomes NULL. #}
{% macro to_text(value) -%}
    nullif({{ callio.regexp_replace_all('cast(' ~ value ~ ' as ' ~ dbt.type_string() ~ ')', '^\\s+|\\s+$', '') }}, '')
{%- endmacro %}
