{#- One row per (tenant, _id): the version with the greatest updateTime (ties: the later
    loaded one). Incremental: new versions are ranked together with the current row of the same
    key, so an older version arriving late never overwrites a newer one, and the merge on the
    key (not on a partition window) moves an updated customer to its new NgayUpdate partition
    instead of duplicating it. -#}
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
                   'phone_normalized', 'status_normalized', '_sdc_extracted_at', '_sdc_batched_at'] %}

with new_versions as (
    select {{ columns | join(', ') }}
    from {{ ref('stg_callio__customers') }}
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
            order by coalesce(updateTime, -1) desc, _sdc_batched_at desc, row_hash desc
        ) as version_rank
    from candidates
)

select
    {{ columns | join(', ') }},
    {{ callio.epoch_ms_to_local_date('updateTime') }} as NgayUpdate,
    {{ callio.epoch_ms_to_local_date('assignedTime') }} as NgayAssign
from ranked
where version_rank = 1
