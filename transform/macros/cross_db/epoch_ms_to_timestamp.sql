{# Epoch milliseconds (UTC) -> TIMESTAMP (UTC instant). #}
{% macro epoch_ms_to_timestamp(epoch_ms) -%}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'callio')(epoch_ms)) }}
{%- endmacro %}

{% macro default__epoch_ms_to_timestamp(epoch_ms) -%}
    epoch_ms(cast({{ epoch_ms }} as bigint))
{%- endmacro %}

{% macro bigquery__epoch_ms_to_timestamp(epoch_ms) -%}
    timestamp_millis(cast({{ epoch_ms }} as int64))
{%- endmacro %}
