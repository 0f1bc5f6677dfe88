{#- One row per (tenant, _id), the member's latest snapshot version, rebuilt from every landed
    snapshot each run (snapshots are small). in_latest_snapshot tells whether the member was in
    the tenant's latest snapshot (the tap only emits complete snapshots). -#}
{{ config(
    materialized='table',
    cluster_by=(['tenant', 'name'] if target.type == 'bigquery' else none)
) }}

with versions as (
    select
        *,
        row_number() over (
            partition by tenant, _id
            order by coalesce(_snapshot_at, -1) desc, _sdc_batched_at desc, row_hash desc
        ) as version_rank,
        max(coalesce(_snapshot_at, -1)) over (partition by tenant) as tenant_latest_snapshot_at
    from {{ ref('stg_callio__staff') }}
)

select
    _id,
    email,
    name,
    updateTime,
    createTime,
    group_id,
    tenant,
    row_hash,
    coalesce(_snapshot_at, -1) = tenant_latest_snapshot_at as in_latest_snapshot,
    ext,
    role,
    active,
    _snapshot_at,
    _sdc_batched_at,
    -- readable UTC instants beside the epoch-ms columns (the staff table has no local dates)
    {{ callio.epoch_ms_to_timestamp('updateTime') }} as updateTime_utc,
    {{ callio.epoch_ms_to_timestamp('createTime') }} as createTime_utc,
    {{ callio.epoch_ms_to_timestamp('_snapshot_at') }} as _snapshot_at_utc
from versions
where version_rank = 1
