{#- One row per (tenant, _id): the latest loaded version of each call ("latest" by the load
    guard's load sequence, never by the loader's clock).
    Incremental: versions of the newest load already merged and of later loads are ranked
    together with the current rows of the same keys, so re-reads never duplicate a call and the
    ranking is the same as a full refresh over every landed version. -#}
{{ config(
    materialized='incremental',
    unique_key=['tenant', '_id'],
    incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
    partition_by=({'field': 'NgayTao', 'data_type': 'date', 'granularity': 'day'}
                  if target.type == 'bigquery' else none),
    cluster_by=(['tenant'] if target.type == 'bigquery' else none),
    on_schema_change='append_new_columns'
) }}

{%- set columns = ['_id', 'chargeTime', 'createTime', 'direction', 'fromNumber', 'toNumber',
                   'startTime', 'endTime', 'duration', 'billDuration', 'hangupCause', 'answerTime',
                   'fromUser__id', 'fromUser__name', 'fromGroup__id', 'tenant', 'row_hash',
                   'customer_number_normalized', 'direction_class', '_sdc_extracted_at', '_sdc_batched_at',
                   '_load_id'] %}

with {{ callio.latest_version_ctes(ref('stg_callio__calls'), columns,
                                  callio.load_sequence('_load_id')
                                  ~ ' desc, _sdc_batched_at desc, _sdc_extracted_at desc, row_hash desc, _load_id desc') }}

select
    {{ columns | join(', ') }},
    {{ callio.epoch_ms_to_local_date('createTime') }} as NgayTao,
    -- readable local times beside the epoch-ms columns (those stay for the old dashboards)
    {{ callio.epoch_ms_to_local_timestamp('chargeTime') }} as chargeTime_local,
    {{ callio.epoch_ms_to_local_timestamp('createTime') }} as createTime_local,
    {{ callio.epoch_ms_to_local_timestamp('startTime') }} as startTime_local,
    {{ callio.epoch_ms_to_local_timestamp('endTime') }} as endTime_local,
    {{ callio.epoch_ms_to_local_timestamp('answerTime') }} as answerTime_local
from latest_versions
