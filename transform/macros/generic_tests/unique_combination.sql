{# Generic test: the combination of `columns` is unique (no dbt packages are reachable, so
   this replaces dbt_utils.unique_combination_of_columns). #}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
