-- One row per landed staff record (one per member per snapshot on append-only loaders).
with source as (
    select * from {{ callio.raw_source('staff', [
        'tenant', '_id', 'email', 'name', 'ext', 'role', 'active', 'createTime', 'updateTime', 'group___id',
        '_snapshot_at'
    ]) }}
),

typed as (
    select
        {{ callio.to_text('tenant') }} as tenant,
        {{ callio.to_text('_id') }} as _id,
        {{ callio.to_text('email') }} as email,
        {{ callio.to_text('name') }} as name,
        {{ callio.to_text('ext') }} as ext,
        {{ callio.to_text('role') }} as role,
        case when lower({{ callio.to_text('active') }}) in ('true', '1') then true
             when lower({{ callio.to_text('active') }}) in ('false', '0') then false end as active,
        {{ callio.to_int64('createTime') }} as createTime,
        {{ callio.to_int64('updateTime') }} as updateTime,
        {{ callio.to_text('group___id') }} as group_id,
        {{ callio.to_int64('_snapshot_at') }} as _snapshot_at,
        _sdc_extracted_at,
        _sdc_batched_at
    from source
)

select
    *,
    {{ callio.row_hash(['tenant', '_id', 'email', 'name', 'createTime', 'group_id']) }} as row_hash
from typed
where tenant is not null and _id is not null
