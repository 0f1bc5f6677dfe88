"""The HTML report (`python -m report`) on a small hand-built warehouse, seen in headless Chromium.

The same page from the real pipeline: tests/test_meltano_demo.py (the job runner writes it after
dbt) and tests/bigquery/test_pipeline_on_emulator.py (from BigQuery).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from report_browser import inspect_report
from report_fixtures import AGENTS_PER_TEAM, LAST_DAY, TEAMS, build_warehouse

from conftest import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "output" / "test-artifacts"
CHARTS = ["calls", "agent-time", "leads", "status"]


def write_report(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, Path]:
    page = tmp_path / "report.html"
    completed = subprocess.run([sys.executable, "-m", "report", *args, "--output", str(page)], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, check=False)
    return completed, page


def assert_every_chart_has_data(seen: dict) -> None:
    assert seen["console_errors"] == [] and seen["page_errors"] == [], seen
    assert seen["requests"] == [], f"the page tried to reach the network: {seen['requests']}"
    assert [chart["id"] for chart in seen["charts"]] == CHARTS
    for chart in seen["charts"]:
        assert chart["traces"] > 0 and chart["values"] > 0 and chart["marks"] > 0, f"chart without data: {chart}"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("report") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def default_page(warehouse, tmp_path_factory) -> Path:
    completed, page = write_report(tmp_path_factory.mktemp("page"), "--duckdb", str(warehouse))
    assert completed.returncode == 0, completed.stderr
    return page


def test_report_in_a_browser_shows_30_days_every_chart_with_data(default_page):
    seen = inspect_report(default_page, ARTIFACTS / "report-fixture.png")
    assert_every_chart_has_data(seen)
    # tenants, the window of the data and the last successful load, in the business time zone
    assert seen["facts"] == ("Tenant HN, PK · 30 local days 2026-11-01 to 2026-11-30 (latest data 2026-11-30) · "
                             "last successful load 2026-11-30 17:15 (Asia/Ho_Chi_Minh)")
    calls = next(c for c in seen["charts"] if c["id"] == "calls")
    teams = sum(len(t) for t in TEAMS.values())
    assert calls["traces"] == 2 * teams and calls["values"] == 2 * teams * 30
    agents = next(c for c in seen["charts"] if c["id"] == "agent-time")
    assert agents["values"] == 2 * teams * AGENTS_PER_TEAM
    assert (ARTIFACTS / "report-fixture.png").stat().st_size > 10_000


def test_report_is_one_file_with_no_address_to_load(default_page):
    text = default_page.read_text(encoding="utf-8")
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)\s*=""", text, re.IGNORECASE)
    assert "default-src 'none'" in text  # the browser itself refuses any request
    assert "Plotly.newPlot" in text and len(re.findall(r'<section class="chart"', text)) == len(CHARTS)


def test_tenant_and_days_options(tmp_path):
    import duckdb

    # HN's data stops 3 days before PK's: its window ends at its own latest day.
    path = build_warehouse(tmp_path / "warehouse.duckdb")
    hn_last = LAST_DAY - dt.timedelta(days=3)
    con = duckdb.connect(str(path))
    con.execute('delete from main."fact_staff_daily_PK" where "Tenant" = \'HN\' and "Ngay" > ?', [hn_last])
    con.close()
    completed, page = write_report(tmp_path, "--duckdb", str(path), "--tenant", "HN", "--days", "7")
    assert completed.returncode == 0, completed.stderr
    text = page.read_text(encoding="utf-8")
    first = (hn_last - dt.timedelta(days=6)).isoformat()
    assert f"Tenant HN · 7 local days {first} to {hn_last.isoformat()}" in text
    assert "last successful load 2026-11-29 17:15 (Asia/Ho_Chi_Minh)" in text  # HN's own, not PK's
    assert "Team Alpha" not in text and "Ha Noi 1" in text
    assert f"{first} to {hn_last.isoformat()}, {AGENTS_PER_TEAM * 7} rows" in completed.stderr


def test_empty_table_gives_a_page_that_says_so(tmp_path):
    import duckdb

    path = build_warehouse(tmp_path / "empty.duckdb")
    con = duckdb.connect(str(path))
    con.execute('delete from main."fact_staff_daily_PK"')
    con.close()
    completed, page = write_report(tmp_path, "--duckdb", str(path))
    assert completed.returncode == 0, completed.stderr
    assert "holds no rows" in page.read_text(encoding="utf-8")
    assert "without charts" in completed.stderr


def test_missing_warehouse_is_one_line_naming_the_setting(tmp_path):
    completed, page = write_report(tmp_path, "--duckdb", str(tmp_path / "nowhere.duckdb"))
    assert completed.returncode == 1 and not page.exists()
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "CALLIO_DUCKDB_PATH" in lines[0], completed.stderr
