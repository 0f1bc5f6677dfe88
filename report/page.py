"""One self-contained HTML page: plotly.js inlined once, a section per report tenant (its
figures against the previous period, its charts), what the data is and when it was loaded. A
Content-Security-Policy forbids every network request, so the page shows the same on a machine
with no network and can never leak anything by loading a resource.

Laid out for a phone (390 px) as for a desktop: headings are HTML and wrap, charts take the
width they are given, Plotly's toolbar is off (it covered the titles on a phone)."""

from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo

import plotly
import plotly.io as pio
from plotly.offline import get_plotlyjs

from report import kpi
from report.charts import all_charts
from report.labels import Words
from report.warehouse import ReportData

# Inline scripts and styles only; no fetch, image, font or frame from anywhere.
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:"
STYLE = """
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0 auto; padding: 16px; max-width: 1200px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 19px; margin: 24px 0 4px; border-bottom: 2px solid #444; padding-bottom: 2px; }
h3 { font-size: 15px; margin: 16px 0 0; overflow-wrap: anywhere; }
nav a { margin-right: 12px; }
.facts { color: #555; margin: 0 0 12px; overflow-wrap: anywhere; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 8px; margin: 8px 0; }
.tile { border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; }
.tile b { display: block; font-size: 20px; }
.tile small { color: #555; }
.up { color: #1b7a1b; } .down { color: #b22222; }
.chart { border-top: 1px solid #eee; padding-top: 4px; }
.chart .plot { width: 100%; }
.empty, .note { padding: 12px; background: #fff4e5; border: 1px solid #f0c36d; }
.age { margin: 0 0 4px; } .age.stale { color: #fff; background: #b22222; padding: 4px 8px; font-weight: bold; }
footer { color: #777; font-size: 12px; margin-top: 16px; }
@media (max-width: 480px) { body { padding: 8px; } .tiles { grid-template-columns: 1fr 1fr; } .tile b { font-size: 17px; } }
"""
# Plotly's options of every chart: the width of its container, no toolbar, no logo.
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
# Tiles: key of report.kpi.summary -> (label key, how to show the value)
TILES = (
    ("calls", "calls", "count"), ("answered", "answered", "count"), ("answered_share", "answered", "rate"),
    ("talk_hours", "talk_time", "hours"), ("leads", "leads", "count"), ("agents", "agents", "count"),
    ("rate_outbound", "rate_outbound", "rate"), ("rate_inbound", "rate_inbound", "rate"),
    ("missed_inbound", "missed_inbound", "count"), ("called_back_share", "called_back_share", "rate"),
)
HOURLY_TILES = {"rate_outbound", "rate_inbound", "missed_inbound", "called_back_share"}  # from fact_calls_hourly


def _local(moment: dt.datetime | None, zone: str, words: Words) -> str:
    if moment is None:
        return words("never")
    return f"{words.moment(moment.astimezone(ZoneInfo(zone)))} ({zone})"


def tile_label(key: str, label: str, words: Words) -> str:
    return words(label) + (f" ({words('share')})" if key == "answered_share" else "")


def shown_tiles(data: ReportData) -> list[tuple[str, str, str]]:
    """The tiles of a section: the call-centre ones only when fact_calls_hourly exists."""
    return [tile for tile in TILES if data.hourly is not None or tile[0] not in HOURLY_TILES]


def _change(change: kpi.Change, words: Words) -> str:
    text = words.change(change.change, change.is_rate)
    trend = {"+": "up", "−": "down"}.get(text[:1], "same")
    return f'<span class="{trend}">{html.escape(text)}</span>' if text else ""


def _tiles(data: ReportData, days: int, words: Words) -> str:
    shown = kpi.compare(kpi.summary(data.rows, data.hourly), kpi.summary(data.previous_rows, data.previous_hourly))
    by_key = {change.key: change for change in shown}
    tiles = []
    for key, label, kind in shown_tiles(data):
        change = by_key[key]
        tiles.append(f'<div class="tile" data-figure="{key}">{html.escape(tile_label(key, label, words))}'
                     f"<b>{html.escape(words.figure(change.current, kind))}</b>"
                     f"<small>{_change(change, words)} {html.escape(words('previous', days=days))} "
                     f"({html.escape(words.figure(change.previous, kind))})</small></div>")
    return "".join(tiles)


def _section(data: ReportData, days: int, words: Words) -> str:
    tenant = data.tenants[0]
    charts = "".join(
        f'<section class="chart" data-chart="{chart_id}" data-tenant="{html.escape(tenant)}">'
        f"<h3>{html.escape(heading)}</h3>"
        + pio.to_html(figure, full_html=False, include_plotlyjs=False, config=PLOT_CONFIG,
                      div_id=f"chart-{html.escape(tenant)}-{chart_id}", default_width="100%")
        + "</section>"
        for chart_id, heading, figure in all_charts(data, words))
    missing = "" if data.hourly is not None else f'<p class="note">{html.escape(words("kpi_missing"))}</p>'
    return (f'<article class="tenant" id="tenant-{html.escape(tenant)}" data-tenant="{html.escape(tenant)}">'
            f"<h2>{html.escape(words('tenant'))} {html.escape(tenant)}</h2>"
            f'<div class="tiles">{_tiles(data, days, words)}</div>{missing}{charts}</article>')


def data_age_lines(data: ReportData, zone: str, now: dt.datetime, stale_after_h: float | None,
                   words: Words) -> list[tuple[str, str, bool]]:
    """(tenant, line, stale) for each tenant: how old its data is, stale when older than the
    freshness check's limit (orchestrate.freshness: two missed runs) or never loaded. The page and
    scripts/show_report.py print these first."""
    lines = []
    for tenant in data.tenants:
        at = data.as_of.get(tenant)
        if at is None:
            lines.append((tenant, words("data_never", tenant=tenant), True))
            continue
        hours = (now - at).total_seconds() / 3600
        stale = stale_after_h is not None and hours > stale_after_h
        values = {"tenant": tenant, "at": _local(at, zone, words), "hours": words.number(hours, 1),
                  "limit": words.number(stale_after_h or 0, 1)}
        lines.append((tenant, words("data_stale" if stale else "data_age", **values), stale))
    return lines


def _data_ages(data: ReportData, zone: str, now: dt.datetime, stale_after_h: float | None, words: Words) -> str:
    return "".join(f'<p class="age{" stale" if stale else ""}" data-tenant="{html.escape(tenant)}">'
                   f"{html.escape(text)}</p>" for tenant, text, stale in
                   data_age_lines(data, zone, now, stale_after_h, words))


def render(data: ReportData, zone: str, generated_at: dt.datetime, days: int, words: Words,
           stale_after_h: float | None = None) -> str:
    tenants = ", ".join(data.tenants) or "–"
    title = f"{words('title')}: {tenants}"
    if data.rows:
        window = (f"{days} {words('local_days')} {words.date(data.first_day)} {words('to')} "
                  f"{words.date(data.last_day)} ({words('latest_data')} {words.date(data.last_day)})")
        shown = [t for t in data.tenants if any(row["Tenant"] == t for row in data.rows)]
        nav = ("<nav>" + "".join(f'<a href="#tenant-{html.escape(t)}">{html.escape(t)}</a>' for t in shown)
               + "</nav>") if len(shown) > 1 else ""
        body = nav + "".join(_section(data.of_tenant(t), days, words) for t in shown)
    else:
        window = words("no_data")
        body = f'<p class="empty">{html.escape(words("empty", tenants=tenants, days=days))}</p>'
    facts = (f"{html.escape(words('tenant'))} {html.escape(tenants)} · {html.escape(window)} · "
             f"{html.escape(words('last_load'))} {html.escape(_local(data.last_load, zone, words))}")
    footer = html.escape(words("generated", at=_local(generated_at, zone, words), source=data.source,
                               version=plotly.__version__))
    return (
        f'<!DOCTYPE html>\n<html lang="{words.lang}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<script>{get_plotlyjs()}</script></head>\n<body>"
        f'<h1>{html.escape(title)}</h1>{_data_ages(data, zone, generated_at, stale_after_h, words)}'
        f'<p class="facts">{facts}</p>{body}'
        f"<footer>{footer}</footer></body></html>\n"
    )
