"""The Singer SDK's standard tap tests, run against a live simulator.

The simulator is started when this module is imported, because the SDK builds
its test class (and reads its config) at import time; it is stopped when the
module's tests are done.
"""

from __future__ import annotations

import atexit
import contextlib

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from callio_sim.testing import running_simulator
from tap_callio.slicing import iso
from tap_callio.tap import TapCallio

from conftest import DAY_MS, FAST_RETRIES, logins

_simulators = contextlib.ExitStack()
atexit.register(_simulators.close)
SIM = _simulators.enter_context(
    running_simulator(seed=21, tenants="PK,HN", customers=150, calls=400, staff=8, groups=3)
)

# One call of PK served with an integer no warehouse takes: the quarantine stream then carries a
# record, so the SDK's per-stream tests run on it too instead of being skipped.
_POISONED_CALL = max(SIM.truth("PK", "calls"), key=lambda record: record["createTime"])["_id"]
SIM.set_faults([{"fault": "poison", "endpoints": ["/call"], "tenants": ["PK"], "ids": [_POISONED_CALL],
                 "value": "int_2_63_plus_5"}])

CONFIG = {
    "api_url": SIM.url,
    "accounts": logins(SIM),
    "start_date": iso(SIM.now() - 20 * DAY_MS),
    "page_size": 100,
    **FAST_RETRIES,
}


@pytest.fixture(scope="module", autouse=True)
def _stop_simulator_after_module():
    yield
    _simulators.close()


TestTapCallio = get_tap_test_class(
    tap_class=TapCallio,
    config=CONFIG,
    suite_config=SuiteConfig(max_records_limit=None),
)
