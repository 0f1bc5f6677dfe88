"""The simulator's ground truth, and the check that a table holds each of its records exactly once.

Every end-to-end suite (tests/test_meltano_demo.py, tests/reliability, tests/bigquery) judges the
warehouse with these two functions. Only the standard library: the BigQuery loader venv, which has
no callio_sim, uses them too.
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from collections.abc import Iterable, Sequence

STREAMS = ("customers", "calls", "staff", "groups")
Truth = dict[str, dict[str, list[dict]]]  # tenant -> stream -> canonical records


def read_truth(url: str, tenant: str, stream: str) -> list[dict]:
    """The simulator's canonical records of one tenant and stream, as they are now."""
    with urllib.request.urlopen(f"{url}/_sim/truth/{tenant}/{stream}", timeout=300) as response:
        return [json.loads(line) for line in response if line.strip()]


def load_truth(url: str, tenants: Iterable[str], streams: Sequence[str] = STREAMS) -> Truth:
    return {tenant: {stream: read_truth(url, tenant, stream) for stream in streams} for tenant in tenants}


def landing_problems(where: str, landed: Iterable[tuple[str, str]], truth: Truth, stream: str,
                     tenants: Iterable[str], *, require_records: bool = False) -> list[str]:
    """Every way the (tenant, id) pairs found in `where` differ from "each record of the truth
    exactly once": duplicates, missing records, records the simulator does not hold (and, with
    require_records, a tenant whose truth is empty, which would make the check vacuous)."""
    tenants = list(tenants)
    counts = Counter(landed)
    problems = []
    duplicates = sorted(key for key, n in counts.items() if n > 1)
    if duplicates:
        problems.append(f"{where}: {len(duplicates)} (tenant, id) present more than once, e.g. {duplicates[:3]}")
    expected = {(tenant, record["_id"]) for tenant in tenants for record in truth[tenant][stream]}
    found = {key for key in counts if key[0] in tenants}
    for tenant in tenants:
        if require_records and not truth[tenant][stream]:
            problems.append(f"{where}: the simulator holds no {stream} for {tenant}: nothing is tested")
        missing = sorted(key for key in expected - found if key[0] == tenant)
        if missing:
            problems.append(f"{where}: {len(missing)} of {len(truth[tenant][stream])} {tenant} {stream} missing, "
                            f"e.g. {missing[:3]}")
    extra = sorted(found - expected)
    if extra:
        problems.append(f"{where}: {len(extra)} rows the simulator does not hold, e.g. {extra[:3]}")
    return problems


def assert_lands_exactly_once(where: str, landed: Iterable[tuple[str, str]], truth: Truth, stream: str,
                              tenants: Iterable[str], *, require_records: bool = True) -> None:
    problems = landing_problems(where, landed, truth, stream, tenants, require_records=require_records)
    assert not problems, "\n".join(problems)
