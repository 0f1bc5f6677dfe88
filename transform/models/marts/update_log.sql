{#- One audit row per (run_id, tenant, stream), appended once: rows already present are never
    rewritten. -#}
{{ config(
    materialized='incremental',
    unique_key=['run_id', 'tenant', 'stream'],
    incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
    partition_by=({'field': 'updated_at', 'data_type': 'timestamp', 'granularity': 'day'}
                  if target.type == 'bigquery' else none),
    on_schema_change='append_new_columns'
) }}

with runs as (
    select
        *,
        row_number() over (
            partition by run_id, tenant, stream order by _sdc_batched_at desc
        ) as version_rank
    from {{ ref('stg_callio__sync_log') }}
),

new_runs as (
    select runs.*
    from runs
    {% if is_incremental() %}
    left join {{ this }} as logged
        on runs.run_id = logged.run_id
        and runs.tenant = logged.tenant
        and runs.stream = logged.stream
    {% endif %}
    where runs.version_rank = 1
    {% if is_incremental() %}
      and logged.run_id is null
    {% endif %}
)

select
    case stream
        when 'customers' then 'customer'
        when 'calls' then 'call_log'
        when 'staff' then 'staff'
        when 'groups' then 'group'
        else stream
    end as table_name,
    tenant,
    finished_at as updated_at,
    records_read as rows_loaded,
    bookmark_reached as max_updateTime,
    case
        when status = 'ERROR_LOGIN' then 'ERROR_LOGIN'
        -- BEHIND (stopped at the record cap) wrote its rows like OK; the status column says it
        when status is not null and status not in ('OK', 'BEHIND') then 'ERROR'
        when coalesce(records_read, 0) = 0 then 'NOOP'
        when stream in ('customers', 'calls') then 'MERGED'
        else 'TRUNCATE'
    end as mode,
    run_id,
    stream,
    status,
    error,
    bookmark_start,
    started_at,
    -- the bookmarks as readable UTC instants, like updated_at and started_at
    {{ callio.epoch_ms_to_timestamp('bookmark_reached') }} as max_updateTime_utc,
    {{ callio.epoch_ms_to_timestamp('bookmark_start') }} as bookmark_start_utc
from new_runs
