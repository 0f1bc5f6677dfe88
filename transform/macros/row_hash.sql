{# row_hash: lower-case hex MD5 of the business columns, in the order given, each cast to
   text and NULL replaced by the empty string, joined with '|'. Identical on DuckDB and
   BigQuery as long as the columns are text or integers (no floats, no timestamps). #}
{% macro row_hash(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ callio.md5_hex(dbt.concat(parts)) }}
{%- endmacro %}
