"""The production install path: no simulator, only the environment's plugins, preflight last."""

from __future__ import annotations

import subprocess

from conftest import PROJECT_ROOT


def test_server_requirements_leave_the_simulator_to_the_demo():
    server = (PROJECT_ROOT / "requirements.txt").read_text()
    assert "callio-sim" not in server
    assert "callio-sim" in (PROJECT_ROOT / "requirements-demo.txt").read_text()
    assert "-r requirements-demo.txt" in (PROJECT_ROOT / "requirements-test.txt").read_text()


def test_install_scripts_install_the_environments_plugins_then_run_the_preflight():
    linux = (PROJECT_ROOT / "scripts" / "install.sh").read_text()
    windows = (PROJECT_ROOT / "scripts" / "windows" / "install.ps1").read_text()
    for script in (linux, windows):
        assert "requirements.txt" in script and "requirements-demo" not in script and "callio-sim" not in script
        assert "tap-callio" in script and "target-bigquery" in script and "dbt-bigquery" in script
        assert script.index("orchestrate.preflight") > script.index("install")


def test_install_refuses_an_unknown_environment_in_one_line():
    done = subprocess.run(["bash", "scripts/install.sh", "--environment=staging"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and "staging" in done.stderr, done.stderr
