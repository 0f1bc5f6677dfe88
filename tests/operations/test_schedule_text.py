"""Schedules fire at the old UTC slots on a server in any time zone: the generated cron lines
and Task Scheduler commands, read as text under a given TZ. (The daemon computes its slots in UTC
and needs no conversion: tests/operations/test_legacy_env.py reads its list.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import PROJECT_ROOT

OLD_SLOTS_UTC = ["02:30", "04:00", "06:00", "08:00", "11:00"]


def generate(module: str, tz: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDULER_", "MELTANO_ENVIRONMENT"))}
    env.update({"TZ": tz, "CALLIO_ENV_FILE": os.devnull})
    done = subprocess.run([sys.executable, "-m", f"orchestrate.{module}", "--environment=prod", *args],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def cron_entries(text: str) -> list[tuple[str, str]]:
    """(local HH:MM, job) of each job's crontab entry; the one hourly freshness line is checked
    and left out (it runs at the same minute of every hour in any time zone)."""
    found, hourly = [], []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            minute, hour, dom, month, dow, command = line.split(" ", 5)
            assert (dom, month, dow) == ("*", "*", "*"), line
            if hour == "*":
                hourly.append((minute, command))
                continue
            found.append((f"{int(hour):02d}:{int(minute):02d}", command.split("--environment=prod ")[1].split()[0]))
    assert [(m, "-m orchestrate.freshness --environment=prod " in c) for m, c in hourly] == [("15", True)], text
    return sorted(found)


@pytest.mark.parametrize(("tz", "local"), [
    ("Asia/Ho_Chi_Minh", ["09:30", "11:00", "13:00", "15:00", "18:00"]),
    ("UTC", OLD_SLOTS_UTC),
    ("Asia/Kolkata", ["08:00", "09:30", "11:30", "13:30", "16:30"]),
])
def test_cron_lines_are_in_the_servers_local_time(tz, local):
    text = generate("crontab", tz)
    entries = cron_entries(text)
    assert [t for t, _ in entries] == local, text
    assert [t for t, job in entries if job == "callio-all-bq"] == [local[0]], entries  # 02:30 UTC, nightly
    assert "CRON_TZ" not in text  # Debian's and Ubuntu's cron ignore it
    for line in text.splitlines():
        if not line.startswith("#"):
            assert re.search(r"cd \S+ && mkdir -p logs && .* >> logs/cron\.log 2>&1$", line), line


def test_daylight_saving_zones_are_told_to_regenerate():
    assert "daylight saving" in generate("crontab", "Europe/Berlin")
    assert "daylight saving" not in generate("crontab", "Asia/Ho_Chi_Minh")


def test_task_scheduler_commands_cover_every_slot_with_folder_and_log():
    text = generate("schtasks", "Asia/Ho_Chi_Minh", r"--root=C:\callio elt")
    lines = [line for line in text.splitlines() if line.startswith("schtasks ")]
    tasks = [line for line in lines if "/SC DAILY" in line]
    hourly = [line for line in lines if line not in tasks]
    assert len(hourly) == 1 and "/SC HOURLY /ST 00:15 " in hourly[0], text
    assert hourly[0].endswith(r'run_job.cmd\" prod freshness"'), hourly[0]
    times = sorted(re.search(r"/ST (\d\d:\d\d)", t)[1] for t in tasks)
    assert times == ["09:30", "11:00", "13:00", "15:00", "18:00"], text
    for task in tasks:
        assert "/Create /F " in task and "/SC DAILY" in task
        assert " /RU SYSTEM " in task, task  # runs with nobody logged on
        assert r'/TR "\"C:\callio elt\scripts\windows\run_job.cmd\" prod callio-' in task, task
    helper = (PROJECT_ROOT / "scripts" / "windows" / "run_job.cmd").read_text()
    assert 'cd /d "%~dp0..\\.."' in helper  # runs from the project folder: orchestrate is importable
    assert "logs\\scheduler.log" in helper and "exit %code%" in helper and "chcp 65001" in helper


def test_readme_cron_example_creates_its_log_folder():
    readme = (PROJECT_ROOT / "README.md").read_text()
    examples = [line for line in readme.splitlines() if re.match(r"^\d+ \d+ \* \* \* cd ", line)]
    assert examples and all("mkdir -p logs" in line and "CRON_TZ" not in line for line in examples)
