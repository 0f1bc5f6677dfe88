"""Dagster's own settings: variables of the shell that starts it (scripts/dagster.sh).

The pipeline's settings stay where they are (``.env``, meltano.yml), read by the project's own
processes; these only shape how Dagster drives them.

- ``CALLIO_DAGSTER_RETRIES`` (default 2): retries of a failed step (a tenant's extraction, dbt,
  the report);
- ``CALLIO_DAGSTER_RETRY_DELAY_S`` (default 60): seconds before the first retry, doubled for each
  next one, with jitter;
- ``CALLIO_DAGSTER_URL`` (``ui``: the address it listens on; ``daemon``: none): the address people
  open the UI at, for the link in a failure notification (else the run's id).
"""

from __future__ import annotations

import os

import dagster as dg

DEFAULT_RETRIES = 2
DEFAULT_RETRY_DELAY_S = 60.0


def _number(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name) or default))
    except ValueError:
        return default


def retry_policy() -> dg.RetryPolicy:
    """Exponential back-off with jitter: an API or warehouse that is down for a few minutes is
    waited out without a person, and retries of several tenants do not fire in step."""
    return dg.RetryPolicy(max_retries=int(_number("CALLIO_DAGSTER_RETRIES", DEFAULT_RETRIES)),
                          delay=_number("CALLIO_DAGSTER_RETRY_DELAY_S", DEFAULT_RETRY_DELAY_S),
                          backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def run_url(run_id: str) -> str:
    """Where a person sees a run: its page in the UI when its address is known, else its id."""
    base = (os.environ.get("CALLIO_DAGSTER_URL") or "").rstrip("/")
    return f"{base}/runs/{run_id}" if base else run_id
