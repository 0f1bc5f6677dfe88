{#- One row per (tenant, _id): the latest loaded version of each call.
    Incremental: versions loaded since the newest one already merged are ranked together with
    the current rows of the same keys, so re-reads never duplicate a call and the ranking is the
    same as a full refresh over every landed version. -#}
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
                   'customer_number_normalized', '_sdc_extracted_at', '_sdc_batched_at'] %}

with new_versions as (
    select {{ columns | join(', ') }}
    from {{ ref('stg_callio__calls') }}
    {% if is_incremental() %}
    where _sdc_batched_at >= (select coalesce(max(_sdc_batched_at), cast('1970-01-01' as timestamp)) from {{ this }})
    {% endif %}
),

candidates as (
    select * from new_versions
    {% if is_incremental() %}
    union all
    select {% for c in columns %}current_rows.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
    from {{ this }} as current_rows
    inner join (select distinct tenant, _id from new_versions) as touched
        on current_rows.tenant = touched.tenant and current_rows._id = touched._id
    {% endif %}
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant, _id
            order by _sdc_batched_at desc, _sdc_extracted_at desc, row_hash desc
        ) as version_rank
    from candidates
)

select
    {{ columns | join(', ') }},
    {{ callio.epoch_ms_to_local_date('createTime') }} as NgayTao
from ranked
where version_rank = 1
