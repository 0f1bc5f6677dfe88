{# Epoch milliseconds (UTC) -> the wall-clock time in the business time zone (var business_tz),
   for analysts: DuckDB TIMESTAMP, BigQuery DATETIME (a local time with no zone attached, like
   the Ngay* dates next to it). NULL and 0 ("never", e.g. an unanswered call's answerTime) give
   NULL. #}
{% macro epoch_ms_to_local_timestamp(epoch_ms, tz=none) -%}
    {%- set tz = tz or var('business_tz') -%}
    case when {{ epoch_ms }} is null or {{ epoch_ms }} = 0 then null
         else {{ adapter.dispatch('epoch_ms_to_local_timestamp', 'callio')(epoch_ms, tz) }} end
{%- endmacro %}

{# DuckDB: epoch_ms() gives a naive UTC timestamp; timezone('UTC', .) makes it an instant,
   timezone(tz, .) gives the wall-clock time in tz. Independent of the session TimeZone. #}
{% macro default__epoch_ms_to_local_timestamp(epoch_ms, tz) -%}
    timezone('{{ tz }}', timezone('UTC', epoch_ms(cast({{ epoch_ms }} as bigint))))
{%- endmacro %}

{% macro bigquery__epoch_ms_to_local_timestamp(epoch_ms, tz) -%}
    datetime(timestamp_millis(cast({{ epoch_ms }} as int64)), '{{ tz }}')
{%- endmacro %}
