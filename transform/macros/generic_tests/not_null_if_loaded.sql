{# not_null for raw tables that a job may not have created yet (a job loads only some streams):
   a table that does not exist has no NULLs. Once it exists this is exactly dbt's not_null. #}
{% test not_null_if_loaded(model, column_name) %}
    {%- set relation = adapter.get_relation(model.database, model.schema, model.identifier) if execute else model -%}
    {%- if relation is none %}
    select * from (select 1 as no_table_yet) as nothing where 1 = 0
    {%- else %}
    select {{ column_name }} from {{ model }} where {{ column_name }} is null
    {%- endif %}
{% endtest %}
