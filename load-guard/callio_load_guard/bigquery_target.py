"""``callio-target-bigquery``: z3-target-bigquery 0.7.2, its dataset and table creation safe when
another machine creates the same one at the same moment.

The target looks a dataset or table up and creates it when it is missing. Two machines whose
first loads go to a new raw dataset (one tenant each, side by side) both look, both miss, both
create: the slower create gets BigQuery's 409 "Already Exists" and that target fails (the guard
then holds the bookmark, so nothing is lost, but the tenant's first night is red). Creating with
``exists_ok=True`` is what the target means ("idempotent", its docstring says): the loser takes
the dataset or table the other machine made. The schema is the same one, from the same tap.

The guard runs this instead of ``target-bigquery`` (cli.main_bigquery); the tests' emulated
target makes the same call (bigquery/emulated_target_bigquery.py).
"""

from __future__ import annotations

import functools


def make_creation_idempotent() -> None:
    """Every ``create_dataset`` / ``create_table`` of google-cloud-bigquery in this process
    takes an existing one instead of failing (unless a caller says ``exists_ok`` itself)."""
    from google.cloud import bigquery  # noqa: PLC0415 (the target's venv has it, the guard's tests may not)

    for name in ("create_dataset", "create_table"):
        original = getattr(bigquery.Client, name)
        if getattr(original, "_callio_exists_ok", False):
            continue

        @functools.wraps(original)
        def tolerant(self, obj, *args, _original=original, **kwargs):
            if not args:  # exists_ok is the second positional parameter of both
                kwargs.setdefault("exists_ok", True)
            return _original(self, obj, *args, **kwargs)

        tolerant._callio_exists_ok = True
        setattr(bigquery.Client, name, tolerant)


def main() -> None:
    make_creation_idempotent()
    from target_bigquery.target import TargetBigQuery  # noqa: PLC0415

    TargetBigQuery.cli()
