"""Fixtures of the reliability tests: a simulator plus an isolated pipeline around it."""

from __future__ import annotations

import pytest

from .pipeline import SIM_OPTIONS, Pipeline


@pytest.fixture
def make_pipeline(callio_sim_factory, isolated_env, tmp_path):
    """make_pipeline(**simulator options) -> Pipeline over a fresh simulator (small volumes)."""

    def make(**options) -> Pipeline:
        sim = callio_sim_factory(**{**SIM_OPTIONS, **options})
        return Pipeline(sim, isolated_env, tmp_path)

    return make
