"""The dbt models as assets (dagster-dbt, from dbt's manifest), built by Meltano's dbt plugin.

The manifest is dbt's own parse of ``transform/``, made by the environment's dbt plugin in the
project's venv (``meltano invoke dbt-duckdb parse``), never by a dbt of Dagster's venv (it has
none). It is made again when a file of the dbt project is newer than it. dagster-dbt names each
dbt source ``<source>/<table>``, so the models read the raw tables of ``extract`` as their
upstream assets with no mapping of our own.

Their step is the job runner's transform part (``run_job --only transform JOB``): the job's
``dbt build`` under the runner's locks (one dbt build at a time on this machine, and on every
machine with PostgreSQL). It builds every model, as the runner does after every extraction, so a
selection of some models still runs the whole build. The dbt tests run inside that build (a
failed one fails the step); they are not made into Dagster asset checks, as the build's results
are read from the runner's exit code, not test by test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from graphlib import TopologicalSorter
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from orchestrate_dagster import runner
from orchestrate_dagster.jobs import JOB_TAG, transform_job
from orchestrate_dagster.project import PROJECT_ROOT, Facts, ProjectUnavailable, dagster_home
from orchestrate_dagster.settings import retry_policy

DBT_PROJECT = PROJECT_ROOT / "transform"
# What the manifest is made from: the dbt project's files and the plugins' definitions.
MANIFEST_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "snapshots", "analyses")
PARSE_TIMEOUT_S = 600
GROUP = "dbt"


def manifest_path(facts: Facts) -> Path:
    return dagster_home() / "dbt" / facts.environment / "manifest.json"


def _newest_input() -> float:
    paths = [DBT_PROJECT / name for name in MANIFEST_INPUTS] + [PROJECT_ROOT / "meltano" / "transform.meltano.yml"]
    times = [p.stat().st_mtime for path in paths if path.exists()
             for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file()]
    return max(times, default=0.0)


def prepare_manifest(facts: Facts) -> Path:
    """dbt's manifest of ``transform/`` for this environment, parsed again when older than the
    dbt project. Written to a folder of its own and moved into place whole, so a code location
    loading meanwhile never reads half a file, and a dbt build of the runner never overwrites it."""
    target = manifest_path(facts)
    if target.exists() and target.stat().st_mtime >= _newest_input():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="parse-", dir=target.parent))
    try:
        env = {**os.environ, "DBT_TARGET_PATH": str(scratch), "DBT_LOG_PATH": str(scratch / "logs")}
        command = [*facts.meltano, "--log-level=warning", "invoke", facts.dbt_plugin(), "parse"]
        done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                              timeout=PARSE_TIMEOUT_S, check=False)
        if done.returncode != 0 or not (scratch / "manifest.json").exists():
            said = ((done.stdout + done.stderr).strip().splitlines() or [f"exit {done.returncode}"])[-1]
            raise ProjectUnavailable(f"meltano invoke {facts.dbt_plugin()} parse failed: {said}")
        os.replace(scratch / "manifest.json", target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def in_build_order(assets: dg.AssetsDefinition, keys: Iterable[dg.AssetKey]) -> list[dg.AssetKey]:
    """Models upstream first (Dagster takes a multi-asset's results in that order only)."""
    chosen = sorted(set(keys))
    return list(TopologicalSorter({key: sorted(d for d in assets.asset_deps[key] if d in chosen)
                                   for key in chosen}).static_order())


class CallioDbtTranslator(DagsterDbtTranslator):
    """dagster-dbt's defaults (asset keys, descriptions, dependencies), in one group."""

    def get_group_name(self, dbt_resource_props) -> str:
        return GROUP


def build_dbt_assets(facts: Facts) -> dg.AssetsDefinition:
    translator = CallioDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False))

    @dbt_assets(manifest=prepare_manifest(facts), name="dbt_build", dagster_dbt_translator=translator,
                retry_policy=retry_policy())
    def dbt_build(context):  # unannotated: Dagster refuses the string annotations of this module
        job = transform_job(facts, context.run.tags.get(JOB_TAG))
        outcome = runner.check(runner.run_part(facts.environment, job, "transform", say=context.log.info),
                               f"{job} dbt build")
        for key in in_build_order(context.assets_def, context.selected_asset_keys):
            yield dg.MaterializeResult(asset_key=key, metadata={"run log": outcome.log_file or "-"})

    return dbt_build
