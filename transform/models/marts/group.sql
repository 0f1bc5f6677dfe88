{#- The latest snapshot of every tenant's groups. A tenant whose snapshot failed emitted
    nothing, so its latest landed snapshot (the previous one) is kept. "group" is a reserved
    word: reference this model only through ref('group'), which quotes it. -#}
{{ config(materialized='table') }}

with in_latest_snapshot as (
    select
        *,
        max(coalesce(_snapshot_at, -1)) over (partition by tenant) as tenant_latest_snapshot_at
    from {{ ref('stg_callio__groups') }}
),

latest as (
    select
        *,
        row_number() over (
            partition by tenant, group_id
            order by _sdc_batched_at desc, row_hash desc
        ) as version_rank
    from in_latest_snapshot
    where coalesce(_snapshot_at, -1) = tenant_latest_snapshot_at
)

select
    group_id,
    name,
    tenant,
    row_hash,
    createTime,
    updateTime,
    _snapshot_at,
    _sdc_batched_at,
    -- readable UTC instants beside the epoch-ms columns (the group table has no local dates)
    {{ callio.epoch_ms_to_timestamp('createTime') }} as createTime_utc,
    {{ callio.epoch_ms_to_timestamp('updateTime') }} as updateTime_utc,
    {{ callio.epoch_ms_to_timestamp('_snapshot_at') }} as _snapshot_at_utc
from latest
where version_rank = 1
