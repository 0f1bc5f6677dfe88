{#- Generic test: `columns` are the model's key. Every combination occurs once and no part of it
    is NULL (parts listed in `nullable` may be NULL; a NULL then groups like a value, so two rows
    alike but for NULLs there are duplicates). One GROUP BY pass replaces a uniqueness test plus
    one not_null test per part: every test is a node costing dbt ~45 ms in each job's build.
    A failing row is one offending key: its values, how many rows carry it, and `problem`
    ("duplicate", "NULL <column>", or both). Plain SQL, valid on DuckDB and BigQuery. -#}
{% test primary_key(model, columns, nullable=[]) %}
{%- set stray = nullable | reject('in', columns) | list -%}
{%- if stray %}
    {{ exceptions.raise_compiler_error("primary_key: nullable " ~ stray ~ " not in columns " ~ columns) }}
{%- endif %}
{%- set required = columns | reject('in', nullable) | list %}
select
    {{ columns | join(', ') }},
    count(*) as n_rows,
    trim(
        case when count(*) > 1 then 'duplicate ' else '' end
        {%- for column in required %}
        || case when {{ column }} is null then 'NULL {{ column }} ' else '' end
        {%- endfor %}
    ) as problem
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
    {%- for column in required %}
    or {{ column }} is null
    {%- endfor %}
{% endtest %}
