"""One self-contained HTML page: plotly.js inlined once, the charts, what the data is and when
it was loaded. A Content-Security-Policy forbids every network request, so the page shows the
same on a machine with no network and can never leak anything by loading a resource."""

from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo

import plotly
import plotly.io as pio
from plotly.offline import get_plotlyjs

from report.charts import all_charts
from report.warehouse import ReportData

# Inline scripts and styles only; no fetch, image, font or frame from anywhere.
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:"
STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; }
h1 { font-size: 24px; margin: 0 0 4px; }
.facts { color: #555; margin: 0 0 16px; }
.tiles { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
.tile { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 150px; }
.tile b { display: block; font-size: 22px; }
.chart { border-top: 1px solid #eee; padding-top: 8px; }
.empty { padding: 24px; background: #fff4e5; border: 1px solid #f0c36d; }
footer { color: #777; font-size: 12px; margin-top: 16px; }
"""


def _local(moment: dt.datetime | None, zone: str) -> str:
    if moment is None:
        return "never"
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") + f" ({zone})"


def _tiles(data: ReportData) -> str:
    rows = data.rows
    calls = sum(r["TongCuoc"] or 0 for r in rows)
    answered = sum(r["SoCuoc_NoiMay"] or 0 for r in rows)
    talk_hours = sum(r["TongThoiluongGoi_Giay"] or 0 for r in rows) / 3600
    leads = sum(r["SoDataNhan"] or 0 for r in rows)
    agents = len({(r["Tenant"], r["MaNV_id"]) for r in rows})
    share = f" ({answered / calls:.0%})" if calls else ""
    tiles = [("Calls", f"{calls:,}"), ("Answered", f"{answered:,}{share}"), ("Talk time", f"{talk_hours:,.1f} h"),
             ("Leads received", f"{leads:,}"), ("Agents", f"{agents:,}")]
    return "".join(f'<div class="tile">{html.escape(label)}<b>{html.escape(value)}</b></div>'
                   for label, value in tiles)


def render(data: ReportData, zone: str, generated_at: dt.datetime, days: int) -> str:
    tenants = ", ".join(data.tenants) or "none"
    title = f"Staff activity report: {tenants}"
    if data.rows:
        window = (f"{days} local days {data.first_day.isoformat()} to {data.last_day.isoformat()} "
                  f"(latest data {data.last_day.isoformat()})")
        charts = "".join(
            f'<section class="chart" data-chart="{chart_id}">'
            + pio.to_html(figure, full_html=False, include_plotlyjs=False, div_id=f"chart-{chart_id}",
                          config={"displaylogo": False, "responsive": True})
            + "</section>"
            for chart_id, figure in all_charts(data.rows, data.first_day, data.last_day).items())
        body = f'<div class="tiles">{_tiles(data)}</div>{charts}'
    else:
        window = "no data"
        body = (f'<p class="empty">fact_staff_daily_PK holds no rows for {html.escape(tenants)} yet: run a job '
                "first (the report then shows its last 30 days).</p>")
    facts = (f"Tenant {html.escape(tenants)} · {html.escape(window)} · last successful load "
             f"{html.escape(_local(data.last_load, zone))}")
    footer = (f"Generated {html.escape(_local(generated_at, zone))} from {html.escape(data.source)}, table "
              f"fact_staff_daily_PK. Charts: plotly.py {plotly.__version__}, plotly.js inlined.")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<script>{get_plotlyjs()}</script></head>\n<body>"
        f'<h1>{html.escape(title)}</h1><p class="facts">{facts}</p>{body}'
        f"<footer>{footer}</footer></body></html>\n"
    )
