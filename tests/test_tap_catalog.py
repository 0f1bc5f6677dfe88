"""The catalog Meltano hands tap-callio (meltano/tap-callio.catalog.json, orchestrate/tap_catalog.py)
is the tap's own discovery with everything selected, and Meltano really uses it: a schema change
without a refreshed file would silently drop the new field."""

from __future__ import annotations

import json
import subprocess

from orchestrate import tap_catalog
from orchestrate.project_env import PROJECT_ROOT

from conftest import meltano_bin


def test_the_committed_catalog_is_the_taps_discovery_with_everything_selected():
    committed = tap_catalog.CATALOG_FILE.read_text(encoding="utf-8")
    assert committed == tap_catalog.render(tap_catalog.discovered()), (
        "run `.venv/bin/python -m orchestrate.tap_catalog --write`")
    streams = {s["tap_stream_id"]: s for s in json.loads(committed)["streams"]}
    assert set(streams) == {"customers", "calls", "staff", "groups", "sync_log", "quarantine"}
    for stream in streams.values():
        assert all(entry["metadata"]["selected"] for entry in stream["metadata"])


def test_each_variant_gets_the_file_narrowed_to_its_streams():
    # What Meltano hands the tap of a job's extract step: the file, with select_filter applied.
    # One variant is enough: they differ only in their select_filter (each Meltano start ~4 s).
    run = subprocess.run([meltano_bin(), "--environment=demo", "invoke", "--dump=catalog", "tap-callio--staffgroup"],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    catalog = json.loads(run.stdout)
    selected = {s["tap_stream_id"] for s in catalog["streams"]
                if next(e for e in s["metadata"] if e["breadcrumb"] == [])["metadata"].get("selected")}
    assert selected == {"staff", "groups", "sync_log", "quarantine"}
    assert "Using custom catalog" in run.stderr, run.stderr[-2000:]
