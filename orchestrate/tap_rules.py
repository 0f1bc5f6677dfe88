"""The tap's own configuration rules (``tap-callio/tap_callio/config_rules.py``), for the preflight.

The tap lives in Meltano's plugin venv, not in this one, so the rules are loaded from their file
in the repository: it imports the standard library only. The preflight thus refuses exactly what
the tap would refuse (a page size of 0, a label with a newline, ``2026-02-30``), but before any
process starts and in one line naming the variable.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from orchestrate import project_files
from orchestrate.project_env import PROJECT_ROOT

RULES_FILE = PROJECT_ROOT / "tap-callio" / "tap_callio" / "config_rules.py"


@functools.cache
def rules() -> ModuleType:
    spec = importlib.util.spec_from_file_location("callio_tap_config_rules", RULES_FILE)
    assert spec is not None and spec.loader is not None, RULES_FILE
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and pickling look modules up by name
    spec.loader.exec_module(module)
    return module


NO_ACCOUNTS = ("no accounts configured: set CALLIO_ACCOUNTS_JSON (the logins or API tokens as JSON) "
               "or CALLIO_ACCOUNTS_FILE (a file holding them)")


def configured_accounts(environment: str) -> tuple[list[dict], str]:
    """The account list the tap will get in this environment, read and checked as the tap does,
    and where it is configured. Raises ``rules().ConfigProblem`` with the one line to print."""
    checks = rules()
    inline = project_files.configured(environment, "tap-callio", "accounts")
    if inline.value and inline.value.strip() not in ("", "[]"):
        where = inline.label("tap-callio", "accounts")
        return checks.check_accounts(checks.parse_accounts_json(inline.value, where), where), where
    file = project_files.configured(environment, "tap-callio", "accounts_file")
    if not file.value:
        raise checks.ConfigProblem(NO_ACCOUNTS)
    where = file.label("tap-callio", "accounts_file")
    listed = checks.read_accounts_file(Path(file.value).expanduser(), where)
    return checks.check_accounts(listed, f"{where} {file.value}"), f"{where} {file.value}"
