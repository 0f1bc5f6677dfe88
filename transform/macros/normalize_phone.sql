{# Phone number for comparisons: digits only, then a leading 84 country code becomes 0
   ("+84 90-123" -> "090123"). Empty results are NULL. Same rule as tests/oracle/report.py. #}
{% macro normalize_phone(phone) -%}
    {%- set digits = callio.regexp_replace_all(dbt.cast(phone, dbt.type_string()), '[^0-9]', '') -%}
    nullif(case when substr({{ digits }}, 1, 2) = '84'
                then {{ dbt.concat(["'0'", "substr(" ~ digits ~ ", 3)"]) }}
                else {{ digits }} end, '')
{%- endmacro %}
