"""The report's charts (Plotly figures) from the rows of fact_staff_daily_PK.

One function per chart; each returns a figure whose every trace holds the window's data. The
figures only describe the charts: report.page puts them into the page with plotly.js inlined.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

# Status categories of the report (the seed transform/seeds/status_rules.csv), with the labels
# the call-centre uses.
STATUS_COLUMNS = {
    "SoSDT_KetBanZalo": "Kết bạn Zalo",
    "SoSDT_CoNhuCau": "Có nhu cầu",
    "SoSDT_TuChoi": "Từ chối",
    "SoSDT_KhongNgheMay": "Không nghe máy",
}
# Agents beyond this many (ranked by talk time) are left out of the per-agent chart, which says so.
MAX_AGENTS = 40
TEAM_COLOURS = qualitative.Plotly
LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 60, "b": 40},
          "legend": {"orientation": "h", "y": -0.15}, "font": {"family": "DejaVu Sans, Arial, sans-serif"}}


def days_of(first_day: dt.date, last_day: dt.date) -> list[str]:
    return [(first_day + dt.timedelta(days=i)).isoformat() for i in range((last_day - first_day).days + 1)]


def team_label(row: dict, several_tenants: bool) -> str:
    return f"{row['Tenant']} · {row['Team']}" if several_tenants else row["Team"]


def per_team_and_day(rows, column: str, several_tenants: bool) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        totals[team_label(row, several_tenants)][row["Ngay"].isoformat()] += row[column] or 0
    return {team: dict(by_day) for team, by_day in sorted(totals.items())}


def calls_per_team(rows, days: list[str], several_tenants: bool) -> go.Figure:
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                           subplot_titles=("All calls (TongCuoc)", "Answered calls (SoCuoc_NoiMay)"))
    calls = per_team_and_day(rows, "TongCuoc", several_tenants)
    answered = per_team_and_day(rows, "SoCuoc_NoiMay", several_tenants)
    for i, team in enumerate(calls):
        colour = TEAM_COLOURS[i % len(TEAM_COLOURS)]  # a team keeps its colour in both panels
        figure.add_trace(go.Bar(x=days, y=[calls[team].get(d, 0) for d in days], name=team,
                                legendgroup=team, marker_color=colour), row=1, col=1)
        figure.add_trace(go.Bar(x=days, y=[answered[team].get(d, 0) for d in days], name=team,
                                legendgroup=team, showlegend=False, marker_color=colour), row=2, col=1)
    figure.update_layout(LAYOUT, title="Calls and answered calls per team and day", barmode="stack",
                         height=560)
    figure.update_xaxes(type="date")
    return figure


def time_per_agent(rows) -> go.Figure:
    talk: dict[str, float] = defaultdict(float)
    ring: dict[str, float] = defaultdict(float)
    for row in rows:
        agent = row["MaNV"] or row["MaNV_id"]
        talk[agent] += (row["TongThoiluongGoi_Giay"] or 0) / 60
        ring[agent] += (row["TongRungChuong_Giay"] or 0) / 60
    ranked = sorted(talk, key=lambda a: (-talk[a], a))
    shown = ranked[:MAX_AGENTS][::-1]  # largest at the top of a horizontal bar chart
    title = "Talk and ring time per agent, minutes"
    if len(ranked) > len(shown):
        title += f" (top {len(shown)} of {len(ranked)} by talk time)"
    figure = go.Figure([
        go.Bar(y=shown, x=[round(talk[a], 1) for a in shown], name="Talk (TongThoiluongGoi_Giay)",
               orientation="h"),
        go.Bar(y=shown, x=[round(ring[a], 1) for a in shown], name="Ring, unanswered (TongRungChuong_Giay)",
               orientation="h"),
    ])
    figure.update_layout(LAYOUT, title=title, barmode="group", height=160 + 26 * len(shown))
    figure.update_layout(margin={"l": 220})
    return figure


def leads_per_team(rows, days: list[str], several_tenants: bool) -> go.Figure:
    leads = per_team_and_day(rows, "SoDataNhan", several_tenants)
    figure = go.Figure([go.Bar(x=days, y=[by_day.get(d, 0) for d in days], name=team)
                        for team, by_day in leads.items()])
    figure.update_layout(LAYOUT, title="Leads received per team and day (SoDataNhan)", barmode="stack",
                         height=420)
    figure.update_xaxes(type="date")
    return figure


def status_categories(rows, days: list[str]) -> go.Figure:
    totals: dict[str, dict[str, int]] = {column: defaultdict(int) for column in STATUS_COLUMNS}
    for row in rows:
        for column in STATUS_COLUMNS:
            totals[column][row["Ngay"].isoformat()] += row[column] or 0
    figure = go.Figure([go.Bar(x=days, y=[totals[column].get(d, 0) for d in days], name=f"{label} ({column})")
                        for column, label in STATUS_COLUMNS.items()])
    figure.update_layout(LAYOUT, title="Customer numbers called, by status category and day", barmode="group",
                         height=420)
    figure.update_xaxes(type="date")
    return figure


def all_charts(rows, first_day: dt.date, last_day: dt.date) -> dict[str, go.Figure]:
    """Chart id -> figure, in page order."""
    days = days_of(first_day, last_day)
    several_tenants = len({row["Tenant"] for row in rows}) > 1
    return {
        "calls": calls_per_team(rows, days, several_tenants),
        "agent-time": time_per_agent(rows),
        "leads": leads_per_team(rows, days, several_tenants),
        "status": status_categories(rows, days),
    }
