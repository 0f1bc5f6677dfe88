"""The raw tables the tap lands, as assets partitioned by tenant.

One multi-asset, ``tap_callio``, produces every raw table (``callio_raw/<stream>``: the key
dagster-dbt gives the dbt source of the same name, so the dbt models hang under them). A stream
family (an extractor variant: customers, calls, staffgroup) is the unit it runs: selecting any
of a family's own tables runs that family. ``sync_log`` and ``quarantine`` are written by every
family, so they are materialised with whichever runs.

Its step runs the job runner's extract part for the partition's tenant
(``run_job --tenant T --only extract JOB``): that tenant's own bookmarks and locks.
"""

from __future__ import annotations

import dagster as dg

from orchestrate_dagster import runner
from orchestrate_dagster.jobs import JOB_TAG, family_of, jobs_for_extractors
from orchestrate_dagster.project import Facts
from orchestrate_dagster.settings import retry_policy

RAW_SOURCE = "callio_raw"  # the dbt source of the raw tables (transform/models/staging/callio/_callio__sources.yml)
GROUP = "tap_callio"


def raw_table_key(stream: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_SOURCE, stream])


def tenant_partitions(facts: Facts) -> dg.StaticPartitionsDefinition:
    """One partition per tenant of the accounts setting (its label is the key)."""
    return dg.StaticPartitionsDefinition(list(facts.tenants))


def shared_streams(facts: Facts) -> set[str]:
    """The streams every extractor variant writes (``sync_log``, ``quarantine``)."""
    return set.intersection(*(set(streams) for streams in facts.extractors.values()))


def raw_keys_by_extractor(facts: Facts) -> dict[str, list[dg.AssetKey]]:
    return {extractor: [raw_table_key(stream) for stream in streams] for extractor, streams in facts.extractors.items()}


def warehouse_kind(facts: Facts) -> str:
    """``duckdb`` or ``bigquery``: the environment's loader (``target-duckdb`` ...)."""
    loaders = {task.split()[1] for job in facts.jobs for task in facts.extract_tasks(job)}
    return loaders.pop().removeprefix("target-") if len(loaders) == 1 else "warehouse"


def build_tap_assets(facts: Facts, partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    shared = shared_streams(facts)
    written_by: dict[str, list[str]] = {}
    for extractor, streams in facts.extractors.items():
        for stream in streams:
            written_by.setdefault(stream, []).append(extractor)
    specs = [
        dg.AssetSpec(
            raw_table_key(stream), group_name=GROUP, kinds={"meltano", warehouse_kind(facts)},
            description=f"Raw table {stream}: append-only, every version the tap read (the dbt models deduplicate). "
                        f"Written by {', '.join(sorted(extractors))}.",
            metadata={"stream families": ", ".join(family_of(e) for e in sorted(extractors))})
        for stream, extractors in sorted(written_by.items())
    ]

    @dg.multi_asset(name="tap_callio", specs=specs, partitions_def=partitions, can_subset=True,
                    retry_policy=retry_policy(),
                    description="tap-callio -> load guard -> target: one tenant's stream families, through "
                                "python -m orchestrate.run_job --tenant T --only extract")
    def tap_callio(context):  # unannotated: Dagster refuses the string annotations of this module
        tenant = context.partition_key
        selected = {key.path[-1] for key in context.selected_asset_keys}
        extractors = {e for e, streams in facts.extractors.items() if (set(streams) - shared) & selected}
        if not extractors:
            raise dg.Failure(f"{', '.join(sorted(selected))} are written alongside a stream family: select one of "
                             f"{', '.join(sorted(written_by.keys() - shared))} too", allow_retries=False)
        outcomes = []
        for job in jobs_for_extractors(facts, extractors, context.run.tags.get(JOB_TAG)):
            outcome = runner.run_part(facts.environment, job, "extract", tenant=tenant, say=context.log.info)
            outcomes.append(runner.check(outcome, f"tenant {tenant}: {job} extract"))
        for key in sorted(context.selected_asset_keys):
            stream = key.path[-1]
            yield dg.MaterializeResult(asset_key=key, metadata={
                "tenant": tenant,
                "records read": sum(o.records(stream, tenant) for o in outcomes),
                "run logs": ", ".join(o.log_file for o in outcomes if o.log_file),
            })

    return tap_callio
