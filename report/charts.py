"""The report's charts (Plotly figures) of one tenant, from the rows report.warehouse reads.

One function per chart; each returns a figure whose traces hold the window's data. Titles are
the page's headings (report.page), not Plotly's: a heading wraps on a phone, a Plotly title is
cut. The figures only describe the charts: report.page puts them into the page with plotly.js
inlined. The numbers come from report.kpi, which scripts/show_report.py --kpi prints too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from report import kpi
from report.labels import STATUS, Words

# Agents beyond this many (ranked by talk time) are left out of the per-agent chart, which says so.
MAX_AGENTS = 40
# Agent names ("NGUYEN VAN AN - NV012 - HCM") are clipped to this many characters on the axis
# (the whole name shows on hover), so that the bars keep room on a phone.
AGENT_LABEL_CHARS = 22
TEAM_COLOURS = qualitative.Plotly


def layout(words: Words, height: int) -> dict:
    return {"template": "plotly_white", "height": height, "separators": words.plotly_separators,
            "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "legend": {"orientation": "h", "y": -0.12,
                                                                      "yanchor": "top"},
            "font": {"family": "DejaVu Sans, Arial, sans-serif", "size": 12}}


def days_of(first_day: dt.date, last_day: dt.date) -> list[dt.date]:
    return [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]


def _date_axes(figure: go.Figure, words: Words) -> None:
    figure.update_xaxes(type="date", tickformat=words.plotly_day, hoverformat=words.plotly_date, automargin=True)
    figure.update_yaxes(automargin=True)


def _team(row) -> str:
    return row["Team"]


def calls_per_team(rows, days: list[dt.date], words: Words) -> go.Figure:
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                           subplot_titles=(words("all_calls"), words("answered_calls")))
    calls = kpi.per_team_and_day(rows, "TongCuoc", _team)
    answered = kpi.per_team_and_day(rows, "SoCuoc_NoiMay", _team)
    for i, team in enumerate(calls):
        colour = TEAM_COLOURS[i % len(TEAM_COLOURS)]  # a team keeps its colour in both panels
        figure.add_trace(go.Bar(x=days, y=[calls[team].get(d, 0) for d in days], name=team,
                                legendgroup=team, marker_color=colour), row=1, col=1)
        figure.add_trace(go.Bar(x=days, y=[answered[team].get(d, 0) for d in days], name=team,
                                legendgroup=team, showlegend=False, marker_color=colour), row=2, col=1)
    figure.update_layout(layout(words, 560), barmode="stack")
    _date_axes(figure, words)
    return figure


def answer_rate_per_team(hourly, days: list[dt.date], words: Words) -> go.Figure:
    """Answered / calls per team and day, one panel per direction; no point where no call."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                           subplot_titles=(words("outbound"), words("inbound")))
    teams = sorted({row["Team"] for row in hourly})
    in_legend: set[str] = set()
    for panel, direction in enumerate(("outbound", "inbound"), start=1):
        rates = kpi.answer_rates(hourly, direction, _team)
        for i, team in enumerate(teams):  # a team keeps its colour in both panels, one legend entry
            if team not in rates:
                continue
            figure.add_trace(go.Scatter(
                x=days, y=[rates[team].get(d) for d in days], name=team, legendgroup=team, mode="lines+markers",
                showlegend=team not in in_legend, line={"color": TEAM_COLOURS[i % len(TEAM_COLOURS)]},
                hovertemplate="%{x}<br>%{fullData.name}: %{y:.1%}<extra></extra>"), row=panel, col=1)
            in_legend.add(team)
    figure.update_layout(layout(words, 520))
    figure.update_yaxes(tickformat=".0%", range=[0, 1.05], dtick=0.25)
    _date_axes(figure, words)
    return figure


def missed_and_called_back(hourly, days: list[dt.date], words: Words) -> go.Figure:
    """Missed inbound calls per day, split into called back or not, and the share called back."""
    per_day = kpi.missed_per_day(hourly)
    missed = [per_day.get(d, (0, 0))[0] for d in days]
    back = [per_day.get(d, (0, 0))[1] for d in days]
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Bar(x=days, y=back, name=words("called_back"), marker_color="#2ca02c"))
    figure.add_trace(go.Bar(x=days, y=[m - b for m, b in zip(missed, back)], name=words("not_called_back"),
                            marker_color="#d62728"))
    figure.add_trace(go.Scatter(x=days, y=[b / m if m else None for m, b in zip(missed, back)],
                                name=f"{words('called_back')} ({words('share')})", mode="lines+markers",
                                line={"color": "#333"}, hovertemplate="%{x}: %{y:.1%}<extra></extra>"),
                     secondary_y=True)
    figure.update_layout(layout(words, 420), barmode="stack")
    figure.update_yaxes(tickformat=".0%", range=[0, 1.05], dtick=0.25, secondary_y=True, showgrid=False)
    _date_axes(figure, words)
    return figure


def hour_by_weekday(hourly, words: Words) -> go.Figure:
    """Calls and missed inbound calls of the period by local hour (x) and weekday (y)."""
    figure = make_subplots(rows=2, cols=1, vertical_spacing=0.22,
                           subplot_titles=(words("calls"), words("missed_calls")))
    hours = list(range(24))
    for panel, (columns, scale) in enumerate(((kpi.CALL_COLUMNS, "Blues"), (("missed_inbound",), "Reds")), start=1):
        figure.add_trace(go.Heatmap(
            z=kpi.hour_by_weekday(hourly, columns), x=hours, y=list(words.weekdays), colorscale=scale,
            showscale=False, hovertemplate="%{y} %{x}h: %{z}<extra></extra>"), row=panel, col=1)
        figure.update_yaxes(autorange="reversed", row=panel, col=1)
    figure.update_xaxes(dtick=3, title_text=words("hour"), automargin=True)
    figure.update_yaxes(automargin=True)
    figure.update_layout(layout(words, 520))
    return figure


def time_per_agent(rows, words: Words) -> tuple[go.Figure, str]:
    talk: dict[str, float] = defaultdict(float)
    ring: dict[str, float] = defaultdict(float)
    for row in rows:
        agent = row["MaNV"] or row["MaNV_id"]
        talk[agent] += (row["TongThoiluongGoi_Giay"] or 0) / 60
        ring[agent] += (row["TongRungChuong_Giay"] or 0) / 60
    ranked = sorted(talk, key=lambda a: (-talk[a], a))
    shown = ranked[:MAX_AGENTS][::-1]  # largest at the top of a horizontal bar chart
    note = words("top_agents", shown=len(shown), total=len(ranked)) if len(ranked) > len(shown) else ""
    labels = [a if len(a) <= AGENT_LABEL_CHARS else a[:AGENT_LABEL_CHARS - 1] + "…" for a in shown]
    figure = go.Figure([
        go.Bar(y=labels, x=[round(talk[a], 1) for a in shown], name=words("talk"), orientation="h",
               customdata=shown, hovertemplate="%{customdata}: %{x:,.1f}<extra></extra>"),
        go.Bar(y=labels, x=[round(ring[a], 1) for a in shown], name=words("ring"), orientation="h",
               customdata=shown, hovertemplate="%{customdata}: %{x:,.1f}<extra></extra>"),
    ])
    figure.update_layout(layout(words, 160 + 26 * len(shown)), barmode="group")
    figure.update_yaxes(automargin=True)
    return figure, note


def leads_per_team(rows, days: list[dt.date], words: Words) -> go.Figure:
    leads = kpi.per_team_and_day(rows, "SoDataNhan", _team)
    figure = go.Figure([go.Bar(x=days, y=[by_day.get(d, 0) for d in days], name=team)
                        for team, by_day in leads.items()])
    figure.update_layout(layout(words, 420), barmode="stack")
    _date_axes(figure, words)
    return figure


def status_categories(rows, days: list[dt.date], words: Words) -> go.Figure:
    totals: dict[str, dict[dt.date, int]] = {column: defaultdict(int) for column in STATUS}
    for row in rows:
        for column in STATUS:
            totals[column][row["Ngay"]] += row[column] or 0
    figure = go.Figure([go.Bar(x=days, y=[totals[column].get(d, 0) for d in days], name=words.status(column))
                        for column in STATUS])
    figure.update_layout(layout(words, 420), barmode="group")
    _date_axes(figure, words)
    return figure


def all_charts(data, words: Words) -> list[tuple[str, str, go.Figure]]:
    """(chart id, heading, figure) of one tenant's section, in page order; the call-centre
    charts only when fact_calls_hourly exists."""
    days = days_of(data.first_day, data.last_day)
    charts = [("calls", words("chart_calls"), calls_per_team(data.rows, days, words))]
    if data.hourly is not None:
        charts += [
            ("answer-rate", words("chart_answer_rate"), answer_rate_per_team(data.hourly, days, words)),
            ("missed", words("chart_missed"), missed_and_called_back(data.hourly, days, words)),
            ("heatmap", words("chart_heatmap"), hour_by_weekday(data.hourly, words)),
        ]
    agents, note = time_per_agent(data.rows, words)
    charts += [
        ("agent-time", words("chart_agent_time") + note, agents),
        ("leads", words("chart_leads"), leads_per_team(data.rows, days, words)),
        ("status", words("chart_status"), status_categories(data.rows, days, words)),
    ]
    return charts
