"""scripts/show_report.py: the latest days by default, in 120 columns, and options for more; --kpi
prints the HTML report's figures."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from report_fixtures import AGENTS_PER_TEAM, DAYS, LAST_DAY, TEAMS, build_warehouse, fact_rows

from conftest import PROJECT_ROOT

DAY_HEADING = re.compile(r"^(\d{4}-\d{2}-\d{2}) · (\w+) · ")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("show") / "warehouse.duckdb")


def show(warehouse: Path, *args: str) -> list[str]:
    completed = subprocess.run([sys.executable, "scripts/show_report.py", str(warehouse), *args], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, check=True)
    return completed.stdout.splitlines()


def days_shown(lines: list[str]) -> list[tuple[str, str]]:
    return [m.groups() for m in map(DAY_HEADING.match, lines) if m]


def test_default_is_the_latest_two_days_in_120_columns(warehouse):
    lines = show(warehouse)
    latest = [LAST_DAY.isoformat(), (LAST_DAY - dt.timedelta(days=1)).isoformat()]
    assert days_shown(lines) == [(d, t) for t in sorted(TEAMS) for d in latest]
    assert max(len(line) for line in lines) <= 120
    assert len(lines) < 80
    assert f"the latest 2 of {DAYS} local days" in "\n".join(lines)
    # update_log: one line per tenant with the latest mode and rows of each table
    pk_loads = next(line for line in lines if line.startswith("PK "))
    assert pk_loads.split()[1:] == ["2026-11-30", "11:15", "MERGED", "80", "ERROR_LOGIN", "0"]
    # before everything, each tenant's data age, stale ones marked (the fixture's loads are days old)
    assert lines[0] == "!! HN: DỮ LIỆU CŨ, cuộc gọi và khách hàng chưa nạp đủ lần nào", lines[:3]
    assert lines[1].startswith("!! PK: DỮ LIỆU CŨ, đến 30/11/2026 16:15"), lines[:3]


def test_team_lines_sum_their_agents(warehouse):
    lines = show(warehouse, "--tenant", "PK", "--days", "1")
    calls = {(r[2], r[3]): r[5] for r in fact_rows() if r[0] == LAST_DAY and r[1] == "PK"}
    team_line = next(line for line in lines if line.startswith("Team Beta "))
    assert int(team_line.split()[2]) == sum(n for (team, _), n in calls.items() if team == "Team Beta")
    agent_lines = [line for line in lines if line.startswith("  NGUYEN VAN")]
    assert len(agent_lines) == len(TEAMS["PK"]) * AGENTS_PER_TEAM


def test_options_for_more_days_one_tenant_and_every_column(warehouse):
    lines = show(warehouse, "--days", "5", "--tenant", "HN")
    assert [t for _, t in days_shown(lines)] == ["HN"] * 5
    assert any(line.startswith("HN ") for line in lines) and not any(line.startswith("PK ") for line in lines)

    wide = show(warehouse, "--days", "3", "--tenant", "PK", "--columns", "all")
    assert ["call_log", "PK", "MERGED", "80", "2025-11-30", "10:03:20", "2026-11-30", "10:15:00"] in [
        line.split() for line in wide]  # every update_log column, bookmarks included
    header = next(line for line in wide if line.startswith("Ngay "))
    assert header.split() == ["Ngay", "Tenant", "Team", "MaNV_id", "MaNV", "TongCuoc", "SoSDT_Unique",
                              "SoCuoc_NoiMay", "SoCuoc_KhongNoiMay", "TongThoiluongGoi_Giay", "TongRungChuong_Giay",
                              "SoDataNhan", "SoSDT_KetBanZalo", "SoSDT_CoNhuCau", "SoSDT_TuChoi",
                              "SoSDT_KhongNgheMay", "max_create_ms", "max_assigned_ms", "_ingested_at"]
    assert f"{3 * len(TEAMS['PK']) * AGENTS_PER_TEAM} rows" in wide


def test_kpi_shows_the_html_reports_figures(warehouse, tmp_path):
    """--kpi: per report tenant, the figures of the HTML report's tiles (the same numbers,
    written the same way), the answer rates and missed calls per team of the latest days, and
    the hour x weekday grids; in Vietnamese by default, in 120 columns."""
    env = {k: v for k, v in os.environ.items() if k != "CALLIO_REPORT_LANG"}
    page = tmp_path / "report.html"
    subprocess.run([sys.executable, "-m", "report", "--duckdb", str(warehouse), "--output", str(page)], cwd=PROJECT_ROOT,
                   env=env, check=True, capture_output=True)
    text = page.read_text(encoding="utf-8")
    completed = subprocess.run([sys.executable, "scripts/show_report.py", str(warehouse), "--kpi"], cwd=PROJECT_ROOT,
                               env=env, capture_output=True, text=True, check=True)
    lines = completed.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    sections = [i for i, line in enumerate(lines) if line.startswith("Tenant ")]
    assert [lines[i].split()[1] for i in sections] == sorted(TEAMS)
    for tenant, start, end in zip(sorted(TEAMS), sections, [*sections[1:], len(lines)]):
        block = lines[start:end]
        html_part = text[text.index(f'id="tenant-{tenant}"'):]
        tiles = re.findall(r'data-figure="\w+">([^<]*)<b>([^<]*)</b><small>(?:<span[^>]*>([^<]*)</span>)?', html_part)[:10]
        assert len(tiles) == 10
        for label, value, change in tiles:
            row = next(line for line in block if line.startswith(label + " "))
            assert value in row and change in row, (label, value, change, row)
        assert any(line.startswith("Tỉ lệ nghe máy theo nhóm") for line in block)
        grid = next(i for i, line in enumerate(block) if line.startswith("Cuộc gọi theo giờ và thứ"))
        assert [line.split()[0] for line in block[grid + 2:grid + 9]] == ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]
    english = subprocess.run([sys.executable, "scripts/show_report.py", str(warehouse), "--kpi", "--lang", "en",
                              "--tenant", "PK", "--days", "1"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             check=True).stdout
    assert "Outbound answer rate" in english and "Mon" in english and "Tỉ lệ" not in english
    team_days = [line for line in english.splitlines() if line.startswith(LAST_DAY.isoformat())]
    assert len(team_days) == len(TEAMS["PK"]) + 1  # its teams and the queue, the latest day only
