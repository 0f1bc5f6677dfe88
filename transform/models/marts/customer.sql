{#- One row per (tenant, _id): the version with the greatest updateTime (ties: the later
    loaded one, by the load guard's load sequence, never by the loader's clock). Incremental:
    new versions are ranked together with the current row of the same key, so an older version
    arriving late never overwrites a newer one, and the merge on the key (not on a partition
    window) moves an updated customer to its new NgayUpdate partition instead of duplicating
    it. -#}
{{ config(
    materialized='incremental',
    unique_key=['tenant', '_id'],
    incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
    partition_by=({'field': 'NgayUpdate', 'data_type': 'date', 'granularity': 'day'}
                  if target.type == 'bigquery' else none),
    cluster_by=(['tenant', '_id'] if target.type == 'bigquery' else none),
    on_schema_change='append_new_columns'
) }}

{%- set columns = ['_id', 'assignedTime', 'createTime', 'updateTime', 'name', 'phone', 'user_id',
                   'user_name', 'user_group_id', 'tenant', 'row_hash', 'customField_0_val',
                   'phone_normalized', 'status_normalized', '_sdc_extracted_at', '_sdc_batched_at',
                   '_load_id'] %}

with {{ callio.latest_version_ctes(ref('stg_callio__customers'), columns,
                                  'coalesce(updateTime, -1) desc, ' ~ callio.load_sequence('_load_id')
                                  ~ ' desc, _sdc_batched_at desc, row_hash desc, '
                                  ~ 'updateTime desc, _sdc_extracted_at desc, _load_id desc') }}

select
    {{ columns | join(', ') }},
    {{ callio.epoch_ms_to_local_date('updateTime') }} as NgayUpdate,
    {{ callio.epoch_ms_to_local_date('assignedTime') }} as NgayAssign,
    -- readable local times beside the epoch-ms columns (those stay for the old dashboards)
    {{ callio.epoch_ms_to_local_timestamp('assignedTime') }} as assignedTime_local,
    {{ callio.epoch_ms_to_local_timestamp('createTime') }} as createTime_local,
    {{ callio.epoch_ms_to_local_timestamp('updateTime') }} as updateTime_local
from latest_versions
