{#- Generic test: the model has exactly the rows of `source` on `key`, with the same `columns`
    (fact_agent_kpi_daily: one row for every row of fact_staff_daily). A failing row is one key
    and its problem (macros/row_differences.sql). -#}
{% test rows_match(model, source, key, columns=[]) %}
{{ callio.row_differences(
    '(select ' ~ (key + columns) | join(', ') ~ ' from ' ~ source ~ ')',
    '(select ' ~ (key + columns) | join(', ') ~ ' from ' ~ model ~ ')',
    key, columns) }}
{% endtest %}
