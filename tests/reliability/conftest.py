"""Fixtures of the reliability tests: a simulator plus an isolated pipeline around it."""

from __future__ import annotations

import contextlib

import pytest

from callio_sim.testing import running_simulator
from support.warehouse_slots import warehouse_slot

from .pipeline import SIM_OPTIONS, Pipeline
from conftest import isolated_environment


@pytest.fixture
def make_pipeline(callio_sim_factory, isolated_env, tmp_path):
    """make_pipeline(**simulator options) -> Pipeline over a fresh simulator (small volumes)."""

    def make(**options) -> Pipeline:
        sim = callio_sim_factory(**{**SIM_OPTIONS, **options})
        return Pipeline(sim, isolated_env, tmp_path)

    return make


@pytest.fixture(scope="module")
def make_module_pipeline(tmp_path_factory):
    """The same for a pipeline shared by a module's tests: its runs happen once (CI budget), each
    test asserts one thing about them."""
    with contextlib.ExitStack() as stack:

        def make(**options) -> Pipeline:
            sim = stack.enter_context(running_simulator(**{**SIM_OPTIONS, **options}))
            workdir = tmp_path_factory.mktemp("pipeline")
            slot = stack.enter_context(warehouse_slot())
            return Pipeline(sim, isolated_environment(workdir, slot), workdir)

        yield make
