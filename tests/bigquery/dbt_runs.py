"""Run the repository's dbt project with dbt-bigquery on the emulator, and read its results.

Shared by the BigQuery tests (test_dbt_on_emulator.py, test_pipeline_on_emulator.py). Nodes that
hit a known emulator gap (KNOWN_EMULATOR_GAPS) must fail with exactly that gap's error; when a gap
stops failing, the check fails too, so the list never hides a real problem for long.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from loader_runs import BIGQUERY_DIR, LOADER_BIN, REPO

TRANSFORM = REPO / "transform"
DBT = LOADER_BIN / "dbt"
# The data of singer_messages spans 2025-12-31 and 2026-01-01 (local): a fixed "today" keeps the
# incremental window over it, whatever the wall clock says.
REPORT_TODAY = "2026-01-01"

# node unique_id -> text its error must contain (see bigquery/README.md, "Emulator gaps").
# Empty since bigquery__parse_timestamp became a plain SAFE_CAST (bqemulator could not run
# PARSE_TIMESTAMP with %E*S). Keep the mechanism: a gap found later is listed here with its error.
KNOWN_EMULATOR_GAPS: dict[str, str] = {}


def run_dbt(command: str, emulator, raw_dataset: str, marts_dataset: str, target_path: Path,
            *extra: str, report_today: str = REPORT_TODAY):
    env = dict(os.environ, **emulator.env(), BQ_RAW_DATASET_ID=raw_dataset,
               BQ_DATASET_ID=marts_dataset, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    command = [str(DBT), command, "--project-dir", str(TRANSFORM),
               "--profiles-dir", str(BIGQUERY_DIR), "--target", "emulator",
               "--target-path", str(target_path), "--log-path", str(target_path / "logs"),
               "--vars", json.dumps({"report_today": report_today}), *extra]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    run_results = json.loads((target_path / "run_results.json").read_text())
    manifest = json.loads((target_path / "manifest.json").read_text())
    return result, run_results, manifest


def _upstream(manifest: dict, unique_id: str) -> set[str]:
    nodes = {**manifest["nodes"], **manifest.get("sources", {}), **manifest.get("unit_tests", {})}
    seen: set[str] = set()
    todo = list(nodes.get(unique_id, {}).get("depends_on", {}).get("nodes", []))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(nodes.get(node, {}).get("depends_on", {}).get("nodes", []))
    return seen


def check_only_known_gaps_failed(result, run_results: dict, manifest: dict) -> None:
    statuses = {r["unique_id"]: (r["status"], r.get("message") or "") for r in run_results["results"]}
    unexpected = []
    for unique_id, (status, message) in statuses.items():
        if unique_id in KNOWN_EMULATOR_GAPS:
            if status != "error" or KNOWN_EMULATOR_GAPS[unique_id] not in message:
                unexpected.append(f"{unique_id}: gap gone or changed ({status}: {message[:200]}); "
                                  "update KNOWN_EMULATOR_GAPS")
        elif status == "skipped":
            if not _upstream(manifest, unique_id) & KNOWN_EMULATOR_GAPS.keys():
                unexpected.append(f"{unique_id}: skipped without a known gap upstream")
        elif status not in ("success", "pass"):
            unexpected.append(f"{unique_id}: {status}: {message[:300]}")
    assert not unexpected, "\n".join(unexpected) + "\n" + result.stdout[-3000:]


def fact_rows(client, dataset: str, table: str, columns, order_by=("Ngay", "Tenant", "MaNV_id")) -> list[dict]:
    query = (f"SELECT {', '.join(f'`{c}`' for c in columns)} FROM `{dataset}`.`{table}` "
             f"ORDER BY {', '.join(order_by)}")
    # By position: the emulator lower-cases result field names (real BigQuery keeps the case).
    return [dict(zip(columns, row.values())) for row in client.query(query).result()]


