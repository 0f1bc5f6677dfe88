{# The raw table of a stream, or an empty stand-in with the columns a staging model reads when the
   loader has not created that table yet. A job that loads only some streams (callio-staffgroup on
   a fresh warehouse) can then still build every model and refresh the report: a stream that was
   never loaded simply contributes no rows. source() is always called, so lineage, freshness and
   unit-test fixtures work as for a plain source. #}
{% macro raw_source(table_name, columns) -%}
    {%- set relation = source('callio_raw', table_name) -%}
    {%- if execute and relation is not string and relation.identifier is not none
          and not relation.identifier.startswith('__dbt__cte__')
          and adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        {{ log("raw table " ~ relation ~ " does not exist yet: reading it as empty", info=true) }}
        (
            select
            {%- for column in columns %}
                cast(null as {{ dbt.type_string() }}) as {{ adapter.quote(column) if target.type == 'bigquery' else column }},
            {%- endfor %}
                cast(null as {{ dbt.type_timestamp() }}) as _sdc_extracted_at,
                cast(null as {{ dbt.type_timestamp() }}) as _sdc_batched_at,
                cast(null as {{ dbt.type_string() }}) as _load_id
            limit 0
        )
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
