{# Unicode NFC normalisation, so composed and decomposed Vietnamese letters compare equal. #}
{% macro nfc_normalize(text) -%}
    {{ return(adapter.dispatch('nfc_normalize', 'callio')(text)) }}
{%- endmacro %}

{% macro default__nfc_normalize(text) -%}
    nfc_normalize({{ text }})
{%- endmacro %}

{% macro bigquery__nfc_normalize(text) -%}
    normalize({{ text }}, NFC)
{%- endmacro %}
