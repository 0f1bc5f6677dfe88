{#- Generic test: each of the columns is set and never below zero. One pass over the model for
    all of them; a failing row shows every column, so the culprit is in plain sight. -#}
{% test present_and_non_negative(model, columns) %}
select *
from {{ model }}
where
    {% for column in columns -%}
        {{ column }} is null or {{ column }} < 0{% if not loop.last %} or{% endif %}
    {% endfor %}
{% endtest %}
