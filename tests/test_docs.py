"""What the READMEs tell an operator is what the project does (the points a migrating operator
found misleading): each check reads the thing the sentence is about."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import yaml

from conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()
README_VI = (PROJECT_ROOT / "README.vi.md").read_text()


def test_the_demo_prints_as_many_days_as_the_readmes_say():
    demo = (PROJECT_ROOT / "scripts" / "demo.sh").read_text()
    days = int(re.search(r"show_report\.py \S+ --days (\d+)", demo)[1])
    assert days == 1, "the READMEs below describe a one-day print"
    assert "prints `update_log`, the latest day of `fact_staff_daily_PK`" in README
    assert "`update_log`, ngày gần nhất của `fact_staff_daily_PK`" in README_VI
    assert "latest two days of `fact_staff_daily_PK`" not in README and "hai ngày gần nhất" not in README_VI


def test_the_bigquery_datasets_come_from_the_settings_not_a_hard_coded_loop(tmp_path):
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"type": "service_account", "project_id": "key-project", "client_email": "a@b",
                               "private_key": "x"}))
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"SERVICE_ACCOUNT_KEY_FILE={key}\nBQ_PROJECT_ID=rio-system-migration\nBQ_DATASET_ID=dev_callio\n")
    env = {"PATH": "/usr/bin:/bin", "CALLIO_ENV_FILE": str(dotenv)}
    done = subprocess.run([sys.executable, "-m", "orchestrate.bigquery_project"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, check=True)
    commands = [line for line in done.stdout.splitlines() if line.startswith("bq ")]
    assert commands == [f"bq --location=asia-southeast1 mk --dataset key-project:{name}"
                        for name in ("callio_raw", "dev_callio", "dev_callio_staging", "dev_callio_intermediate")]
    for readme in (README, README_VI):
        assert "python -m orchestrate.bigquery_project" in readme and "for dataset in" not in readme
    assert "Data Editor** on the four datasets" in README
    assert "Data Editor** trên bốn dataset" in README_VI and "trên hai dataset" not in README_VI


def test_the_readmes_say_to_remove_the_old_schedule_and_that_stg_customer_is_gone():
    for readme in (README, README_VI):
        assert "crontab -l | grep callio_etl" in readme and "schtasks /Delete" in readme
        assert "`stg_customer`" in readme


def test_the_release_has_a_version_a_changelog_entry_and_an_upgrade_command():
    version = (PROJECT_ROOT / "VERSION").read_text().strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    dbt_project = yaml.safe_load((PROJECT_ROOT / "transform" / "dbt_project.yml").read_text())
    assert dbt_project["version"] == version
    assert f"\n## {version}\n" in (PROJECT_ROOT / "CHANGELOG.md").read_text()
    for readme in (README, README_VI):
        assert "bash scripts/upgrade.sh" in readme and "CHANGELOG.md" in readme
    changes = yaml.safe_load((PROJECT_ROOT / "transform" / "schema_changes.yml").read_text())["changes"]
    assert len({change["id"] for change in changes}) == len(changes), "a schema change id is reused"


def test_both_readmes_say_how_to_get_a_telegram_or_e_mail_alert():
    for readme in (README, README_VI):
        assert "CALLIO_NOTIFY_URLS='tgram://" in readme and "CALLIO_NOTIFY_URLS='mailtos://" in readme
        assert "python -m orchestrate.notify test" in readme and "Zalo" in readme
        assert "orchestrate.freshness" in readme


def test_every_orchestrate_module_is_in_its_readme():
    """orchestrate/README.md is where an operator looks up what each module does: none is left out."""
    table = (PROJECT_ROOT / "orchestrate" / "README.md").read_text(encoding="utf-8")
    modules = sorted(p.name for p in (PROJECT_ROOT / "orchestrate").glob("*.py") if p.name != "__init__.py")
    assert modules, "no module found: the test looks in the wrong place"
    missing = [name for name in modules if f"`{name}`" not in table]
    assert not missing, f"orchestrate/README.md does not name: {missing}"
