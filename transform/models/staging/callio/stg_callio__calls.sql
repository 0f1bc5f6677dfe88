-- One row per landed call version: typed, with the customer-side number of the call.
-- Direction: inbound ('inbound', 'in', '1') uses fromNumber; every other value (outbound,
-- '2', local/internal '3', unknown, NULL) uses toNumber, because the agent is the caller.
with source as (
    select * from {{ callio.raw_source('calls', [
        'tenant', '_id', 'createTime', 'chargeTime', 'startTime', 'answerTime', 'endTime', 'duration', 'billDuration',
        'direction', 'fromNumber', 'toNumber', 'hangupCause', 'fromUser___id', 'fromUser__name', 'fromGroup___id'
    ]) }}
),

typed as (
    select
        {{ callio.to_text('tenant') }} as tenant,
        {{ callio.to_text('_id') }} as _id,
        {{ callio.to_int64('chargeTime') }} as chargeTime,
        {{ callio.to_int64('createTime') }} as createTime,
        {{ callio.to_text('direction') }} as direction,
        {{ callio.to_text('fromNumber') }} as fromNumber,
        {{ callio.to_text('toNumber') }} as toNumber,
        {{ callio.to_int64('startTime') }} as startTime,
        {{ callio.to_int64('endTime') }} as endTime,
        {{ callio.to_int64('duration') }} as duration,
        {{ callio.to_int64('billDuration') }} as billDuration,
        {{ callio.to_text('hangupCause') }} as hangupCause,
        {{ callio.to_int64('answerTime') }} as answerTime,
        {{ callio.to_text('fromUser___id') }} as fromUser__id,
        {{ callio.to_text('fromUser__name') }} as fromUser__name,
        {{ callio.to_text('fromGroup___id') }} as fromGroup__id,
        _sdc_extracted_at,
        _sdc_batched_at,
        _load_id
    from source
),

with_customer_number as (
    select
        *,
        case when lower(direction) in ('inbound', 'in', '1') then fromNumber else toNumber end
            as customer_number
    from typed
)

select
    *,
    {{ callio.normalize_phone('customer_number') }} as customer_number_normalized,
    {{ callio.row_hash(['tenant', '_id', 'chargeTime', 'createTime', 'direction', 'fromNumber',
                        'toNumber', 'startTime', 'endTime', 'duration', 'billDuration',
                        'hangupCause', 'answerTime', 'fromUser__id', 'fromUser__name',
                        'fromGroup__id']) }} as row_hash
from with_customer_number
where tenant is not null and _id is not null
