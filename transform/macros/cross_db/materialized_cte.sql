{# The keyword that makes a CTE be computed once however often it is read: DuckDB inlines a CTE
   at every reference unless it is marked MATERIALIZED (DuckDB 1.2); BigQuery has no such keyword
   and decides itself. Use it only for CTEs that stay small whatever the data: DuckDB 1.2 holds a
   materialized CTE in memory and cannot spill it (the 1M calls materialised took 1.8 GB, and
   failed under a 200 MB memory_limit). #}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'callio')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}materialized{%- endmacro %}

{% macro bigquery__materialized_cte() -%}{%- endmacro %}
