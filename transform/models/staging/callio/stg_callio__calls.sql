-- One row per landed call version: typed, with its direction class and the customer-side
-- number of the call. Direction class: the direction's text, trimmed and lower-cased, looked up
-- in the seed direction_classes (outbound/out/2, inbound/in/1, local/internal/3); anything else,
-- NULL included, is 'other'. Customer number: fromNumber of inbound calls; toNumber of every
-- other class (outbound, internal, other), because the agent is the caller.
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

-- one class per spelling, however the seed spells it (a duplicate cannot multiply calls)
direction_spellings as (
    select
        lower({{ callio.to_text('spelling') }}) as spelling,
        min(direction_class) as direction_class
    from {{ ref('direction_classes') }}
    group by lower({{ callio.to_text('spelling') }})
),

with_class as (
    select
        typed.*,
        coalesce(direction_spellings.direction_class, 'other') as direction_class
    from typed
    left join direction_spellings
        on lower(typed.direction) = direction_spellings.spelling
),

with_customer_number as (
    select
        *,
        case when direction_class = 'inbound' then fromNumber else toNumber end as customer_number
    from with_class
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
