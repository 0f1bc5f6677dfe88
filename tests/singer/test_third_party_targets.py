"""tap-callio with Singer tools nobody here wrote: the script of tap-callio/README.md ("Use with
any Singer target") runs as it stands, piping the tap into meltanolabs-target-postgres (a real
PostgreSQL server started here), checking the output with singer-check-tap (singer-tools) and
writing it with target-jsonl. Three folders: flattening off, flattening in the tap, flattening in
the target; each runs the script twice, before and after the simulator's data changed (new and
updated records, a staff member removed), and the tables must then hold the simulator's truth,
each record once, without the removed member.

Interpreter: .venv-tap (the tap and the simulator); the third-party tools run from their own
venvs, built by scripts/test.sh (.venv-target-postgres, .venv-singer-python).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from callio_sim.testing import running_simulator
from support.postgres import running_postgres

REPO = Path(__file__).resolve().parents[2]
README = REPO / "tap-callio" / "README.md"
TOOL_BINS = [REPO / ".venv-tap" / "bin", REPO / ".venv-target-postgres" / "bin", REPO / ".venv-singer-python" / "bin"]
TENANTS = ("PK", "HN")
FLATTEN = {"flattening_enabled": True, "flattening_max_depth": 1}
# folder (and PostgreSQL schema) -> where flattening happens
VARIANTS = {"nested": None, "tap_flat": "tap", "target_flat": "target"}
KEYED_STREAMS = ("customers", "calls", "staff", "groups")


def readme_script() -> str:
    """The bash block of the README's "Use with any Singer target" section."""
    section = README.read_text().split("## Use with any Singer target", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```bash\n(.*?)```", section, re.DOTALL).group(1)


def _tool_env() -> dict[str, str]:
    for bin_dir, tool in zip(TOOL_BINS, ("tap-callio", "target-postgres", "target-jsonl"), strict=True):
        assert (bin_dir / tool).exists(), f"{bin_dir / tool} missing: run scripts/test.sh --setup-only"
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([*map(str, TOOL_BINS), env["PATH"]])
    env.pop("TAP_CALLIO_ACCOUNTS", None)
    return env


def _write_configs(folder: Path, flatten: str | None, sim, pg, schema: str) -> None:
    folder.mkdir()
    sim.write_accounts_file(folder / "accounts.json")
    tap = {"accounts_file": "accounts.json", "emit_activate_version_messages": True, "api_url": sim.url,
           # every simulated record lies in the last 10 days; one request per 5-day slice
           "days_to_fetch_if_empty": 15, "time_slice_ms": 5 * 86_400_000, "safety_lag_ms": 0}
    target = {"host": "127.0.0.1", "port": pg.port, "user": "postgres", "password": "unused",
              "database": "postgres", "default_target_schema": schema, "hard_delete": True}
    (folder / "tap.json").write_text(json.dumps({**tap, **(FLATTEN if flatten == "tap" else {})}))
    (folder / "target-postgres.json").write_text(json.dumps({**target, **(FLATTEN if flatten == "target" else {})}))
    (folder / "target-jsonl.json").write_text(json.dumps({"destination_path": "jsonl", "do_timestamp_file": False}))


def _run_script(folder: Path, env: dict[str, str]) -> dict:
    script = folder / "run.sh"
    script.write_text(readme_script())
    done = subprocess.run(["bash", str(script)], check=False, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{folder.name}: {done.stderr[-3000:]}"
    messages = [json.loads(line) for line in (folder / "tap-output.jsonl").read_text().splitlines()]
    return {"stdout": done.stdout, "stderr": done.stderr, "messages": messages,
            "state": json.loads((folder / "state.json").read_text())}


def _truth(sim) -> dict[str, set[tuple[str, str]]]:
    return {stream: {(tenant, r["_id"]) for tenant in TENANTS for r in sim.truth(tenant, stream)}
            for stream in KEYED_STREAMS}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Both runs in every folder, with what the simulator held before and after the changes."""
    env = _tool_env()
    root = tmp_path_factory.mktemp("singer")
    with running_simulator(seed=3, tenants=",".join(TENANTS), customers=60, calls=180, staff=6, groups=3,
                           days=5, customer_days=10) as sim, running_postgres() as pg:
        for name, flatten in VARIANTS.items():
            _write_configs(root / name, flatten, sim, pg, name)
        first = {name: _run_script(root / name, env) for name in VARIANTS}
        truth_first = _truth(sim)
        tables_first = {name: _keys(pg, name) for name in VARIANTS}
        changes = sim.mutate("PK", insert_calls=4, update_customers=5, delete_staff=1)
        second = {name: _run_script(root / name, env) for name in VARIANTS}
        truth_second = _truth(sim)
        customers = {(t, r["_id"]): r["updateTime"] for t in TENANTS for r in sim.truth(t, "customers")}
        yield {"first": first, "second": second, "truth_first": truth_first, "truth_second": truth_second,
               "tables_first": tables_first, "changes": changes, "pg": pg, "root": root,
               "customer_update_times": customers}


def _keys(pg, schema: str) -> dict[str, list[tuple[str, str]]]:
    return {stream: [tuple(row) for row in pg.query(f"select tenant, _id from {schema}.{stream}")]
            for stream in KEYED_STREAMS}


@pytest.mark.parametrize("variant", VARIANTS)
def test_first_run_lands_every_record_once(runs, variant):
    for stream, keys in runs["tables_first"][variant].items():
        assert len(keys) == len(set(keys)), f"{variant}.{stream}: a key twice"
        assert set(keys) == runs["truth_first"][stream], f"{variant}.{stream}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_incremental_run_upserts_and_removes_the_deleted_staff_member(runs, variant):
    pg = runs["pg"]
    keys = _keys(pg, variant)
    for stream, landed in keys.items():
        assert len(landed) == len(set(landed)), f"{variant}.{stream}: a key twice after the upserts"
        assert set(landed) == runs["truth_second"][stream], f"{variant}.{stream}"
    removed = ("PK", runs["changes"]["deleted_staff"][0])
    assert removed in runs["tables_first"][variant]["staff"] and removed not in set(keys["staff"])
    assert {("PK", i) for i in runs["changes"]["inserted_calls"]} <= set(keys["calls"])
    # updated customers carry their new updateTime (the row was updated, not duplicated)
    update_times = {(t, i): int(u) for t, i, u in pg.query(f"select tenant, _id, \"updateTime\" from {variant}.customers")}
    for customer in runs["changes"]["updated_customers"]:
        assert update_times[("PK", customer)] == runs["customer_update_times"][("PK", customer)]
    # sync_log is never versioned: both runs' rows stay
    runs_logged = pg.query(f"select count(distinct run_id) from {variant}.sync_log")
    assert runs_logged == [("2",)]


def test_each_run_activates_the_snapshot_streams_and_moves_the_bookmark(runs):
    for phase in ("first", "second"):
        messages = runs[phase]["nested"]["messages"]
        assert [m["stream"] for m in messages if m["type"] == "ACTIVATE_VERSION"] == ["staff", "groups"]
    state = runs["second"]["nested"]["state"]
    partitions = state["bookmarks"]["calls"]["partitions"]
    assert {p["context"]["tenant"] for p in partitions} == set(TENANTS)
    second_calls = [m for m in runs["second"]["nested"]["messages"] if m["type"] == "RECORD" and m["stream"] == "calls"]
    assert len(second_calls) < len(runs["truth_second"]["calls"]), "the second run is incremental"


def test_flattening_in_the_tap_and_in_the_target_give_the_same_columns(runs):
    pg = runs["pg"]
    for stream, objects in (("customers", ["user"]), ("calls", ["fromUser", "fromGroup"]), ("staff", ["group"])):
        nested = pg.columns("nested", stream)
        tap_flat, target_flat = pg.columns("tap_flat", stream), pg.columns("target_flat", stream)
        assert tap_flat == target_flat, f"{stream}: {tap_flat ^ target_flat}"
        for name in objects:
            assert name in nested and f"{name}___id" not in nested
            assert name not in tap_flat and {f"{name}___id", f"{name}__name"} <= tap_flat


def test_singer_check_tap_finds_the_output_valid_and_target_jsonl_writes_every_record(runs):
    for phase in ("first", "second"):
        for variant in ("nested", "tap_flat"):
            assert "The output is valid." in runs[phase][variant]["stdout"], runs[phase][variant]["stdout"][-2000:]
    jsonl = runs["root"] / "nested" / "jsonl"
    for stream in KEYED_STREAMS:
        written = [json.loads(line) for line in (jsonl / f"{stream}.jsonl").read_text().splitlines()]
        sent = [m for phase in ("first", "second") for m in runs[phase]["nested"]["messages"]
                if m["type"] == "RECORD" and m["stream"] == stream]
        assert len(written) == len(sent), stream
        assert {(r["tenant"], r["_id"]) for r in written} >= runs["truth_second"][stream]
