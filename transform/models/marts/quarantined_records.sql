{#- One row per poison record version (tenant, stream, record, raw text): what an operator looks
    at to see what the tap set aside, why, and whether it keeps coming back. -#}
with seen as (
    select
        *,
        row_number() over (
            partition by tenant, stream, record_id, raw_sha256 order by seen_at desc, _sdc_batched_at desc
        ) as newest_first
    from {{ ref('stg_callio__quarantine') }}
),

sightings as (
    select
        tenant,
        stream,
        record_id,
        raw_sha256,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at,
        count(distinct run_id) as runs_seen
    from {{ ref('stg_callio__quarantine') }}
    group by tenant, stream, record_id, raw_sha256
)

select
    sightings.tenant,
    sightings.stream,
    sightings.record_id,
    seen.reason,
    seen.raw_length,
    sightings.raw_sha256,
    seen.raw_text,
    sightings.first_seen_at,
    sightings.last_seen_at,
    sightings.runs_seen,
    seen.run_id as last_run_id
from sightings
inner join seen
    on sightings.tenant = seen.tenant
    and sightings.stream = seen.stream
    and sightings.raw_sha256 = seen.raw_sha256
    and coalesce(sightings.record_id, '') = coalesce(seen.record_id, '')
    and seen.newest_first = 1
