-- One row per landed sync_log record: the tap's audit of each (run, tenant, stream).
with source as (
    select * from {{ callio.raw_source('sync_log', [
        'run_id', 'tenant', 'stream', 'status', 'error', 'records_read', 'bookmark_start', 'bookmark_reached',
        'started_at', 'finished_at'
    ]) }}
)

select
    {{ callio.to_text('run_id') }} as run_id,
    {{ callio.to_text('tenant') }} as tenant,
    {{ callio.to_text('stream') }} as stream,
    upper({{ callio.to_text('status') }}) as status,
    {{ callio.to_text('error') }} as error,
    {{ callio.to_int64('records_read') }} as records_read,
    {{ callio.to_int64('bookmark_start') }} as bookmark_start,
    {{ callio.to_int64('bookmark_reached') }} as bookmark_reached,
    {{ callio.parse_timestamp('started_at') }} as started_at,
    {{ callio.parse_timestamp('finished_at') }} as finished_at,
    _sdc_extracted_at,
    _sdc_batched_at
from source
where run_id is not null
