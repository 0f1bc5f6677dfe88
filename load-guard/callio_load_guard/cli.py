"""Console scripts: ``guarded-target-duckdb`` and ``guarded-target-bigquery``.

Called exactly like the target they wrap; every argument goes to the real target unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Callable

from . import bigquery_check, duckdb_check
from .errors import ConfigError
from .guard import run_guard, secret_values

TARGET_COMMAND_ENV = "LOAD_GUARD_TARGET_COMMAND"
EXIT_CONFIG = 2


def target_command(default_executable: str) -> list[str]:
    """The real target: ``$LOAD_GUARD_TARGET_COMMAND`` (shell-split) if set, else the named
    executable from this interpreter's own bin directory (the plugin venv), else from PATH."""
    override = os.environ.get(TARGET_COMMAND_ENV)
    if override:
        return shlex.split(override)
    beside = Path(sys.executable).parent / default_executable  # not resolved: keep the venv
    if beside.exists():
        return [str(beside)]
    found = shutil.which(default_executable)
    return [found or default_executable]


def config_path(argv: Sequence[str]) -> str | None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-c", "--config")
    known, _ = parser.parse_known_args(list(argv))
    return known.config


def run_cli(
    default_executable: str,
    check_config: Callable[[Mapping[str, Any]], None],
    counter_class: Callable[[Mapping[str, Any]], Any],
    argv: Sequence[str],
) -> int:
    command = target_command(default_executable) + list(argv)
    path = config_path(argv)
    if path is None:
        # --about, --version, ...: nothing is loaded without a config (both targets refuse),
        # so there is nothing to guard.
        os.execvp(command[0], command)
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError) as problem:
        # Only the error class: a JSON error message quotes the file's content.
        print(f"load-guard: cannot read the target config ({type(problem).__name__})",
              file=sys.stderr)
        return EXIT_CONFIG
    try:
        check_config(config)
    except ConfigError as problem:
        print(f"load-guard: unusable target config: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    return run_guard(command, lambda: counter_class(config), secrets=secret_values(config))


def main_duckdb() -> None:
    sys.exit(run_cli("callio-target-duckdb", duckdb_check.check_duckdb_config,
                     duckdb_check.DuckDBCounter, sys.argv[1:]))


def main_bigquery() -> None:
    # callio-target-bigquery: target-bigquery whose creates survive another machine's (bigquery_target)
    sys.exit(run_cli("callio-target-bigquery", bigquery_check.check_bigquery_config,
                     bigquery_check.BigQueryCounter, sys.argv[1:]))
