"""The HTML report (`python -m report`) on a small hand-built warehouse, seen in headless Chromium.

The same page from the real pipeline: tests/reliability/test_login_failure.py (the job runner
writes it after dbt) and tests/bigquery/test_pipeline_on_emulator.py (from BigQuery).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from report_browser import PHONE, inspect_report, layout_problems
from report_fixtures import AGENTS_PER_TEAM, LAST_DAY, QUEUE_TEAM, TEAMS, build_warehouse, fact_rows, hourly_rows

from conftest import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "output" / "test-artifacts"
CHARTS = ["calls", "answer-rate", "missed", "heatmap", "agent-time", "leads", "status"]
FIRST_DAY = LAST_DAY - dt.timedelta(days=29)


def write_report(tmp_path: Path, *args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, Path]:
    page = tmp_path / "report.html"
    completed = subprocess.run([sys.executable, "-m", "report", *args, "--output", str(page)], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, check=False, env=env)
    return completed, page


def assert_every_chart_has_data(seen: dict, tenants=("HN", "PK")) -> None:
    assert seen["console_errors"] == [] and seen["page_errors"] == [], seen
    assert seen["requests"] == [], f"the page tried to reach the network: {seen['requests']}"
    assert [(chart["tenant"], chart["id"]) for chart in seen["charts"]] == [(t, c) for t in tenants for c in CHARTS]
    for chart in seen["charts"]:
        assert chart["traces"] > 0 and chart["values"] > 0 and chart["marks"] > 0, f"chart without data: {chart}"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("report") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def default_page(warehouse, tmp_path_factory) -> Path:
    env = {k: v for k, v in os.environ.items() if k != "CALLIO_REPORT_LANG"}  # the default language
    completed, page = write_report(tmp_path_factory.mktemp("page"), "--duckdb", str(warehouse), env=env)
    assert completed.returncode == 0, completed.stderr
    return page


def test_report_in_a_browser_on_a_desktop_and_a_phone(default_page):
    """Every report tenant in a section of its own, every chart drawn with data, in Vietnamese,
    readable on a desktop and at 390 px (nothing cut, nothing wider than the window, no toolbar
    over the titles): the screenshots of both are kept in output/test-artifacts/."""
    for size, shot in (((1280, 900), "report-fixture.png"), (PHONE, "report-fixture-phone.png")):
        seen = inspect_report(default_page, ARTIFACTS / shot, size)
        assert_every_chart_has_data(seen)
        assert layout_problems(seen) == [], f"at {size[0]} px"
        assert seen["lang"] == "vi"
        # first, each tenant's data age: PK's calls and customers loaded days ago (older than two
        # missed runs of the schedules), HN's customers never
        assert [(a["tenant"], a["stale"]) for a in seen["ages"]] == [("HN", True), ("PK", True)], seen["ages"]
        assert seen["ages"][0]["text"] == "HN: DỮ LIỆU CŨ, cuộc gọi và khách hàng chưa nạp đủ lần nào"
        assert seen["ages"][1]["text"].startswith("PK: DỮ LIỆU CŨ, đến 30/11/2026 16:15 (Asia/Ho_Chi_Minh)"), seen
        assert "(quá 19,5 giờ: đã lỡ hai lần chạy)" in seen["ages"][1]["text"], seen["ages"]
        # tenants, the window of the data and the last successful load, in the business time zone
        assert seen["facts"] == ("Tenant HN, PK · 30 ngày 01/11/2026 đến 30/11/2026 (dữ liệu mới nhất 30/11/2026) · "
                                 "lần nạp thành công gần nhất 30/11/2026 17:15 (Asia/Ho_Chi_Minh)")
        calls = next(c for c in seen["charts"] if c["tenant"] == "PK" and c["id"] == "calls")
        assert calls["traces"] == 2 * len(TEAMS["PK"]) and calls["values"] == 2 * len(TEAMS["PK"]) * 30
        agents = next(c for c in seen["charts"] if c["tenant"] == "PK" and c["id"] == "agent-time")
        assert agents["values"] == 2 * len(TEAMS["PK"]) * AGENTS_PER_TEAM
        # the queue team, with no outbound call, has an inbound answer rate only
        rates = next(c for c in seen["charts"] if c["tenant"] == "PK" and c["id"] == "answer-rate")
        assert rates["traces"] == 2 * len(TEAMS["PK"]) + 1
        assert (ARTIFACTS / shot).stat().st_size > 10_000
    phone = next(c for c in seen["charts"] if c["id"] == "calls")
    assert phone["width"] <= PHONE[0]


def _expected_tiles(tenant: str) -> dict[str, tuple[float, float]]:
    """(this period, the 30 days before) of a few figures, summed from the fixture's rows."""
    previous_first = FIRST_DAY - dt.timedelta(days=30)
    staff = [r for r in fact_rows() if r[1] == tenant]
    hourly = [r for r in hourly_rows() if r[1] == tenant]

    def total(rows, index, first, last):
        return sum(r[index] for r in rows if first <= r[0] <= last)

    periods = ((FIRST_DAY, LAST_DAY), (previous_first, FIRST_DAY - dt.timedelta(days=1)))
    return {
        "calls": tuple(total(staff, 5, *p) for p in periods),
        "missed_inbound": tuple(total(hourly, 10, *p) for p in periods),
        "rate_inbound": tuple(total(hourly, 9, *p) / total(hourly, 5, *p) for p in periods),
    }


def _vi(number: float, decimals: int = 0) -> str:
    return f"{number:,.{decimals}f}".translate(str.maketrans(",.", ".,"))


def test_this_period_against_the_previous_one(default_page):
    text = default_page.read_text(encoding="utf-8")
    section = text[text.index('id="tenant-PK"'):]
    tiles = {key: (value, change) for key, value, change in
             re.findall(r'data-figure="(\w+)">[^<]*<b>([^<]*)</b><small>(.*?)</small>', section)}
    expected = _expected_tiles("PK")
    now, before = expected["calls"]
    assert tiles["calls"][0] == _vi(now)
    assert f"+{_vi(100 * (now - before) / before, 1)}%" in tiles["calls"][1]
    now, before = expected["missed_inbound"]
    assert tiles["missed_inbound"][0] == _vi(now)
    now, before = expected["rate_inbound"]
    assert tiles["rate_inbound"][0] == f"{_vi(100 * now, 1)}%"
    assert f"{_vi(abs(round(100 * (now - before), 1)), 1)} điểm %" in tiles["rate_inbound"][1]
    assert "so với 30 ngày trước" in tiles["calls"][1]


def test_report_is_one_file_with_no_address_to_load(default_page):
    text = default_page.read_text(encoding="utf-8")
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)\s*=""", text, re.IGNORECASE)
    assert "default-src 'none'" in text  # the browser itself refuses any request
    assert "Plotly.newPlot" in text and len(re.findall(r'<section class="chart"', text)) == 2 * len(CHARTS)


def test_tenant_days_and_english_options(tmp_path):
    import duckdb

    # HN's data stops 3 days before PK's: its window ends at its own latest day.
    path = build_warehouse(tmp_path / "warehouse.duckdb")
    hn_last = LAST_DAY - dt.timedelta(days=3)
    con = duckdb.connect(str(path))
    con.execute('delete from main."fact_staff_daily_PK" where "Tenant" = \'HN\' and "Ngay" > ?', [hn_last])
    con.close()
    env = dict(os.environ, CALLIO_REPORT_LANG="en")  # English as a setting: labels and formats
    completed, page = write_report(tmp_path, "--duckdb", str(path), "--tenant", "HN", "--days", "7", env=env)
    assert completed.returncode == 0, completed.stderr
    text = page.read_text(encoding="utf-8")
    assert '<html lang="en">' in text and "Answer rate per team and day" in text and "Tỉ lệ" not in text
    talk = sum(r[9] for r in fact_rows() if r[1] == "HN" and hn_last - dt.timedelta(days=6) <= r[0] <= hn_last)
    assert f"<b>{talk / 3600:,.1f} h</b>" in text  # a decimal point in English (Vietnamese: 5,2 giờ)
    refused = write_report(tmp_path, "--duckdb", str(path), "--lang", "fr")[0]
    assert refused.returncode == 2 and "vi or en" in refused.stderr
    first = (hn_last - dt.timedelta(days=6)).isoformat()
    assert f"Tenant HN · 7 local days {first} to {hn_last.isoformat()}" in text
    assert "last successful load 2026-11-29 17:15 (Asia/Ho_Chi_Minh)" in text  # HN's own, not PK's
    assert "Team Alpha" not in text and "Ha Noi 1" in text and QUEUE_TEAM in text
    assert 'id="tenant-PK"' not in text
    assert f"{first} to {hn_last.isoformat()}, {AGENTS_PER_TEAM * 7} rows" in completed.stderr


def test_a_warehouse_without_the_kpi_tables_still_gives_the_staff_report(tmp_path):
    import duckdb

    path = build_warehouse(tmp_path / "old.duckdb")
    con = duckdb.connect(str(path))
    con.execute("drop table main.fact_calls_hourly")
    con.close()
    completed, page = write_report(tmp_path, "--duckdb", str(path))
    assert completed.returncode == 0, completed.stderr
    text = page.read_text(encoding="utf-8")
    assert "Chưa có bảng fact_calls_hourly" in text and 'data-chart="calls"' in text
    assert 'data-chart="heatmap"' not in text
    assert "fact_calls_hourly" in completed.stderr


def test_empty_table_gives_a_page_that_says_so(tmp_path):
    import duckdb

    path = build_warehouse(tmp_path / "empty.duckdb")
    con = duckdb.connect(str(path))
    con.execute('delete from main."fact_staff_daily_PK"')
    con.close()
    completed, page = write_report(tmp_path, "--duckdb", str(path))
    assert completed.returncode == 0, completed.stderr
    assert "chưa có dòng nào" in page.read_text(encoding="utf-8")
    assert "without charts" in completed.stderr


def test_missing_warehouse_is_one_line_naming_the_setting(tmp_path):
    completed, page = write_report(tmp_path, "--duckdb", str(tmp_path / "nowhere.duckdb"))
    assert completed.returncode == 1 and not page.exists()
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "CALLIO_DUCKDB_PATH" in lines[0], completed.stderr
