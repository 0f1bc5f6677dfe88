{#- The rows where relation `expected` and relation `actual` differ, matched on `key`: one row per
    key, with the key (`tenant`, `Ngay` and the other key columns, from whichever side has it)
    and `problem`: 'missing' (only in expected), 'unexpected' (only in actual) or
    'different <column>' (a column of `columns` differs; NULLs compare equal). -#}
{% macro row_differences(expected, actual, key, columns) -%}
    select
        {%- for column in key %}
        coalesce(expected_rows.{{ column }}, actual_rows.{{ column }}) as {{ column }},
        {%- endfor %}
        case when actual_rows.{{ key[0] }} is null then 'missing'
             when expected_rows.{{ key[0] }} is null then 'unexpected'
             {%- for column in columns %}
             when expected_rows.{{ column }} is distinct from actual_rows.{{ column }} then 'different {{ column }}'
             {%- endfor %}
        end as problem
    from {{ expected }} as expected_rows
    full outer join {{ actual }} as actual_rows
        on {% for column in key %}expected_rows.{{ column }} = actual_rows.{{ column }}{% if not loop.last %}
        and {% endif %}{% endfor %}
    where actual_rows.{{ key[0] }} is null
       or expected_rows.{{ key[0] }} is null
       {%- for column in columns %}
       or expected_rows.{{ column }} is distinct from actual_rows.{{ column }}
       {%- endfor %}
{%- endmacro %}
