"""Where a test's run writes: folders of its own, so that runs of one project at once (a demo,
another suite, another test) never share a file."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def private_meltano_dirs(workdir: Path) -> dict[str, str]:
    """A private Meltano system directory and dbt target, sharing the installed plugins.

    `meltano run` writes each plugin's catalog and config under `.meltano/run/<plugin>/`, and dbt
    its manifest under transform/target/: runs of the same project at once (a demo, another test
    suite) would overwrite each other's files. Linking the plugin folders keeps the installs.
    """
    sys_dir = workdir / "meltano-sys"
    sys_dir.mkdir(exist_ok=True)
    for plugin_type in ("extractors", "loaders", "utilities"):
        link = sys_dir / plugin_type
        if not link.exists():
            link.symlink_to(PROJECT_ROOT / ".meltano" / plugin_type, target_is_directory=True)
    return {
        "MELTANO_SYS_DIR_ROOT": str(sys_dir),
        "DBT_TARGET_PATH": str(workdir / "dbt-target"),
        "DBT_LOG_PATH": str(workdir / "dbt-logs"),
        # The job runner's run logs and reports (orchestrate.run_logs), away from logs/.
        "CALLIO_LOG_DIR": str(workdir / "logs"),
        # The job runner's HTML report (python -m report), never the demo's output/report.html.
        "CALLIO_REPORT_PATH": str(workdir / "report.html"),
    }
