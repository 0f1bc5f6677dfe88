-- One row per landed group record (one per group per snapshot on append-only loaders).
with source as (
    select * from {{ callio.raw_source('groups', [
        'tenant', '_id', 'name', 'createTime', 'updateTime', '_snapshot_at'
    ]) }}
),

typed as (
    select
        {{ callio.to_text('tenant') }} as tenant,
        {{ callio.to_text('_id') }} as group_id,
        {{ callio.to_text('name') }} as name,
        {{ callio.to_int64('createTime') }} as createTime,
        {{ callio.to_int64('updateTime') }} as updateTime,
        {{ callio.to_int64('_snapshot_at') }} as _snapshot_at,
        _sdc_extracted_at,
        _sdc_batched_at
    from source
)

select
    *,
    {{ callio.row_hash(['group_id', 'name', 'tenant']) }} as row_hash
from typed
where tenant is not null and group_id is not null
