-- One row per landed customer version: typed, trimmed, with the normalised phone and status
-- used by the report. No deduplication here (see the customer mart).
with source as (
    select * from {{ callio.raw_source('customers', [
        'tenant', '_id', 'createTime', 'updateTime', 'assignedTime', 'name', 'phone', 'email', 'code', 'user___id',
        'user__name', 'user__group', 'customField_0_val'
    ]) }}
),

typed as (
    select
        {{ callio.to_text('tenant') }} as tenant,
        {{ callio.to_text('_id') }} as _id,
        {{ callio.to_int64('createTime') }} as createTime,
        {{ callio.to_int64('updateTime') }} as updateTime,
        {{ callio.to_int64('assignedTime') }} as assignedTime,
        {{ callio.to_text('name') }} as name,
        {{ callio.to_text('phone') }} as phone,
        {{ callio.to_text('email') }} as email,
        {{ callio.to_text('code') }} as code,
        {{ callio.to_text('user___id') }} as user_id,
        {{ callio.to_text('user__name') }} as user_name,
        {{ callio.to_text('user__group') }} as user_group_id,
        {{ callio.to_text(var('customer_status_column')) }} as customField_0_val,
        _sdc_extracted_at,
        _sdc_batched_at,
        _load_id
    from source
)

select
    *,
    {{ callio.normalize_phone('phone') }} as phone_normalized,
    {{ callio.normalize_status('customField_0_val') }} as status_normalized,
    {{ callio.row_hash(['tenant', '_id', 'createTime', 'assignedTime', 'name', 'phone',
                        'user_id', 'user_name', 'user_group_id', 'customField_0_val']) }}
        as row_hash
from typed
where tenant is not null and _id is not null
