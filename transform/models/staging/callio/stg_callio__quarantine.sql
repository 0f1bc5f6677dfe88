-- One row per landed quarantine record: a poison record the tap set aside (tap-callio README,
-- "Poison records").
with source as (
    select * from {{ callio.raw_source('quarantine', [
        'run_id', 'tenant', 'stream', 'record_id', 'reason', 'raw_text', 'raw_length', 'raw_sha256', 'seen_at'
    ]) }}
)

select
    {{ callio.to_text('run_id') }} as run_id,
    {{ callio.to_text('tenant') }} as tenant,
    {{ callio.to_text('stream') }} as stream,
    {{ callio.to_text('record_id') }} as record_id,
    {{ callio.to_text('reason') }} as reason,
    {{ callio.to_text('raw_text') }} as raw_text,
    {{ callio.to_int64('raw_length') }} as raw_length,
    {{ callio.to_text('raw_sha256') }} as raw_sha256,
    {{ callio.parse_timestamp('seen_at') }} as seen_at,
    _sdc_batched_at
from source
where raw_sha256 is not null
