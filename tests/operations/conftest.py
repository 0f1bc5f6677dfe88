"""Fixtures of the operations tests: the reliability tests' pipeline (simulator + isolated
warehouse, state and run logs) around the real job runner and daemon."""

from __future__ import annotations

import pytest

from reliability.pipeline import SIM_OPTIONS, Pipeline


@pytest.fixture
def make_pipeline(callio_sim_factory, isolated_env, tmp_path):
    def make(**options) -> Pipeline:
        sim = callio_sim_factory(**{**SIM_OPTIONS, **options})
        return Pipeline(sim, isolated_env, tmp_path)

    return make
