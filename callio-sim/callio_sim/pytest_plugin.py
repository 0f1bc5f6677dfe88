"""pytest plugin (entry point `pytest11`): the `callio_sim_factory` fixture.

    def test_x(callio_sim_factory):
        sim = callio_sim_factory(customers=200, calls=1000)
        ...

Every simulator started through the factory is stopped at the end of the test.
"""

from __future__ import annotations

import contextlib

import pytest


@pytest.fixture
def callio_sim_factory():
    # imported here: the plugin loads in every pytest session of an environment that has the
    # package, and most of them never use the simulator (keeps numpy out of their start-up)
    from .testing import running_simulator

    with contextlib.ExitStack() as stack:

        def start(**options):
            return stack.enter_context(running_simulator(**options))

        yield start
