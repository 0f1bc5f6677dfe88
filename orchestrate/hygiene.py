"""Leftovers of killed runs that must not stay readable: Meltano's generated plugin configs.

``meltano run`` writes each plugin's full configuration, every password and token included, to
``<system dir>/run/<plugin>/{tap,target,mapper}.<uuid>.config.json`` and removes it when the run
ends; a killed run leaves it behind. The job runner calls :func:`clean_run_folders` under the run
lock (so no run of this project is going), removing such files and making the folders private.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from orchestrate.project_env import PROJECT_ROOT, setting

GENERATED_CONFIG_GLOBS = ("tap.*.config.json", "target.*.config.json", "mapper.*.config.json")


def meltano_system_dir() -> Path:
    return Path(setting("MELTANO_SYS_DIR_ROOT") or PROJECT_ROOT / ".meltano")


def clean_run_folders() -> list[Path]:
    """Remove stale generated configs; run folders become 0700. Returns the removed files."""
    system_dir = meltano_system_dir()
    run_dir = system_dir / "run"
    removed: list[Path] = []
    for folder in (system_dir, run_dir):
        if folder.is_dir():
            with contextlib.suppress(PermissionError):
                os.chmod(folder, 0o700)
    if not run_dir.is_dir():
        return removed
    for plugin_dir in run_dir.iterdir():
        if not plugin_dir.is_dir() or plugin_dir.is_symlink():
            continue
        with contextlib.suppress(PermissionError):
            os.chmod(plugin_dir, 0o700)
        for pattern in GENERATED_CONFIG_GLOBS:
            for stale in plugin_dir.glob(pattern):
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
                    removed.append(stale)
    return removed
