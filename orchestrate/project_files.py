"""What the Meltano project declares (``meltano.yml`` and the files it includes), read directly.

Jobs, environments and plugin settings are read from the files, not from ``meltano ... list``:
each Meltano start costs about a second, and the runner needs these before every job
(tests/test_orchestrate.py holds both readings equal). This module imports nothing else of the
orchestrator, so every other module can import it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from orchestrate.project_env import PROJECT_ROOT, setting

VARIABLE = re.compile(r"\$\{(\w+)\}")


@functools.cache
def project() -> dict:
    root = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    merged: dict = {"plugins": {}, "jobs": [], "environments": [], "schedules": []}
    for include in [PROJECT_ROOT / "meltano.yml", *(PROJECT_ROOT / p for p in root.get("include_paths", []))]:
        data = yaml.safe_load(Path(include).read_text()) or {}
        for kind, plugins in (data.get("plugins") or {}).items():
            merged["plugins"].setdefault(kind, []).extend(plugins)
        for key in ("jobs", "environments", "schedules"):
            merged[key].extend(data.get(key) or [])
    return merged


def schedules() -> list[dict]:
    """The job schedules (name, interval, job) as meltano.yml declares them."""
    return [s for s in project()["schedules"] if s.get("job")]


def business_time_zone() -> str:
    """The dbt var business_tz (transform/dbt_project.yml): the zone of every local date and of
    the times operators read."""
    dbt_project = yaml.safe_load((PROJECT_ROOT / "transform" / "dbt_project.yml").read_text())
    return dbt_project["vars"]["business_tz"]


def environments() -> list[str]:
    return [e["name"] for e in project()["environments"]]


def jobs() -> dict[str, list]:
    return {j["name"]: j["tasks"] for j in project()["jobs"]}


def plugins() -> dict[str, dict]:
    return {p["name"]: p for kind in project()["plugins"].values() for p in kind}


def plugins_of_job(job: str) -> list[str]:
    names = []
    for task in jobs()[job]:
        words = task if isinstance(task, list) else task.split()
        names += [w.split(":")[0] for w in words]
    return list(dict.fromkeys(names))


def lineage(plugin_name: str) -> list[str]:
    """The plugin and the plugins it inherits from, nearest first."""
    chain = [plugin_name]
    while "inherit_from" in plugins()[chain[-1]]:
        chain.append(plugins()[chain[-1]]["inherit_from"])
    return chain


@dataclass(frozen=True)
class Setting:
    plugin: str
    name: str
    kind: str
    variables: tuple[str, ...]
    sensitive: bool
    default: object = None


def env_prefix(plugin: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", plugin.upper())


def settings_of(plugin_name: str) -> list[Setting]:
    """The settings of a plugin (a variant inherits its parent's), with every variable name
    Meltano reads for it."""
    chain = lineage(plugin_name)
    base = plugins()[chain[-1]]
    found = []
    for definition in base.get("settings", []):
        names = [f"{env_prefix(p)}_{env_prefix(definition['name'])}" for p in chain]
        names += definition.get("env_aliases", [])
        if definition.get("env"):
            names.append(definition["env"])
        found.append(Setting(base["name"], definition["name"], definition.get("kind", "string"),
                             tuple(dict.fromkeys(names)), bool(definition.get("sensitive")), definition.get("value")))
    return found


@dataclass(frozen=True)
class Configured:
    """A plugin setting's value as Meltano resolves it, and where it came from."""

    value: str | None
    variable: str | None  # the variable that set it, if one did
    place: str  # where it was set, for a message

    def label(self, plugin: str, name: str) -> str:
        """``CALLIO_ACCOUNTS_FILE (tap-callio accounts_file)`` or ``tap-callio accounts_file
        (environment demo in meltano/environments.meltano.yml)``."""
        return f"{self.variable} ({plugin} {name})" if self.variable else f"{plugin} {name} ({self.place})"


def configured(environment: str, plugin_name: str, name: str) -> Configured:
    """One plugin setting as Meltano resolves it: a variable (shell or ``.env``), else the
    environment's config, else the plugin's ``config:``, else the definition's default.
    ``${MELTANO_PROJECT_ROOT}`` and ``${VAR}`` are expanded."""
    chain = lineage(plugin_name)
    definition = next(s for s in settings_of(plugin_name) if s.name == name)
    for variable in definition.variables:
        if (value := setting(variable)) is not None:
            return Configured(value, variable, variable)
    by_name = {e["name"]: e for e in project()["environments"]}
    env_config = ((by_name.get(environment) or {}).get("config") or {}).get("plugins") or {}
    for plugin in chain:
        for entries in env_config.values():
            for entry in entries or []:
                if entry.get("name") == plugin and name in (entry.get("config") or {}):
                    return Configured(_expand(entry["config"][name]), None,
                                      f"environment {environment} in meltano/environments.meltano.yml")
    for plugin in chain:
        if name in (plugins()[plugin].get("config") or {}):
            return Configured(_expand(plugins()[plugin]["config"][name]), None, f"{plugin}'s config in meltano/")
    default = definition.default
    return Configured(None if default is None else _expand(default), None, "the default")


def _expand(value: object) -> str:
    def variable(match: re.Match) -> str:
        if match[1] == "MELTANO_PROJECT_ROOT":
            return str(PROJECT_ROOT)
        return setting(match[1]) or ""

    return VARIABLE.sub(variable, str(value))
