"""The orchestrator's own numeric settings: one home for each default, and the preflight's check.

Each is read from the shell or ``.env`` (``project_env.setting``). A value that is not a number is
refused by the preflight in one line naming the variable; anything that reads one before the
preflight ran (the daemon's stop, say) falls back to the default rather than failing.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrate.project_env import setting


@dataclass(frozen=True)
class NumberSetting:
    variable: str
    default: float
    minimum: float
    meaning: str


SETTINGS = {s.variable: s for s in (
    NumberSetting("CALLIO_TASK_TIMEOUT", 4 * 3600, 1, "seconds a task may take before it is stopped"),
    NumberSetting("CALLIO_STOP_TIMEOUT", 30, 0, "seconds a stopped task gets before it is killed"),
    NumberSetting("CALLIO_DUCKDB_LOCK_WAIT", 120, 0, "seconds to wait for a DuckDB file another program holds"),
    NumberSetting("CALLIO_LOCK_WAIT", 6 * 3600, 0, "seconds to wait for another machine's run of the same tenant"),
    NumberSetting("CALLIO_NOTIFY_TIMEOUT", 30, 1, "seconds a notification may take"),
    NumberSetting("CALLIO_LOG_RETENTION_DAYS", 30, 1, "days of run logs kept"),
)}


def number(variable: str) -> float:
    """The setting's value, at least its minimum; its default when unset or not a number."""
    spec = SETTINGS[variable]
    try:
        return max(spec.minimum, float(setting(variable) or spec.default))
    except ValueError:
        return spec.default


def problems() -> list[str]:
    found = []
    for spec in SETTINGS.values():
        value = setting(spec.variable)
        if value is None:
            continue
        try:
            if float(value) < spec.minimum:
                found.append(f"{spec.variable}={value!r} ({spec.meaning}) must be at least {spec.minimum:g}")
        except ValueError:
            found.append(f"{spec.variable}={value!r} ({spec.meaning}) is not a number")
    return found
