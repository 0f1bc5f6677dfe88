{# Epoch milliseconds (UTC) -> calendar DATE in the business time zone (var business_tz): the
   date part of epoch_ms_to_local_timestamp, so a row's Ngay* date and its *_local time always
   agree. NULL and 0 ("never") give NULL. #}
{% macro epoch_ms_to_local_date(epoch_ms, tz=none) -%}
    cast({{ callio.epoch_ms_to_local_timestamp(epoch_ms, tz) }} as date)
{%- endmacro %}
