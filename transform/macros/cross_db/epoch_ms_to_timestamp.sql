{# Epoch milliseconds (UTC) -> TIMESTAMP (the UTC instant; DuckDB: a TIMESTAMP holding UTC, as
   the loader's _sdc_* columns and update_log.updated_at do). NULL and 0 ("never") give NULL. #}
{% macro epoch_ms_to_timestamp(epoch_ms) -%}
    case when {{ epoch_ms }} is null or {{ epoch_ms }} = 0 then null
         else {{ adapter.dispatch('epoch_ms_to_timestamp', 'callio')(epoch_ms) }} end
{%- endmacro %}

{% macro default__epoch_ms_to_timestamp(epoch_ms) -%}
    epoch_ms(cast({{ epoch_ms }} as bigint))
{%- endmacro %}

{% macro bigquery__epoch_ms_to_timestamp(epoch_ms) -%}
    timestamp_millis(cast({{ epoch_ms }} as int64))
{%- endmacro %}
