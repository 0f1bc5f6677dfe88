{# Status text for matching: trimmed (ASCII whitespace), lower-cased, Unicode NFC.
   Same rule as tests/oracle/report.py. #}
{% macro normalize_status(text) -%}
    {{ callio.nfc_normalize("lower(" ~ callio.regexp_replace_all(text, '^\\s+|\\s+$', '') ~ ")") }}
{%- endmacro %}

{# The "|"-separated parts of a normalised status, each trimmed, wrapped as '|a|b|' so that an
   equals-rule is a plain substring test for '|pattern|'. #}
{% macro status_parts_wrapped(normalized_status) -%}
    {{ dbt.concat(["'|'", callio.regexp_replace_all(normalized_status, '\\s*\\|\\s*', '|'), "'|'"]) }}
{%- endmacro %}
