"""Print what a run produced, in 120 columns: the latest load per table and tenant, then
fact_staff_daily_PK of the latest days, per team with its agents.

    python scripts/show_report.py output/demo.duckdb                  # the latest 2 days
    python scripts/show_report.py output/demo.duckdb --days 7 --tenant PK
    python scripts/show_report.py output/demo.duckdb --columns all    # every column, as stored (wide)
    python scripts/show_report.py output/demo.duckdb --kpi            # the HTML report's figures

--kpi prints, per report tenant, the figures of the HTML report (python -m report,
output/report.html), computed by the same code (report.kpi): the last 30 days (--period)
against the 30 before, the answer rates and missed calls per team of the latest --days days,
and the calls and missed calls per hour and weekday; in Vietnamese, or English with --lang en
or CALLIO_REPORT_LANG=en.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import textwrap
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project's `report` package
from orchestrate import freshness  # noqa: E402
from orchestrate.project_files import business_time_zone  # noqa: E402
from report import kpi  # noqa: E402
from report.labels import LANGUAGE_VARIABLE, Words, language  # noqa: E402
from report.page import data_age_lines, shown_tiles, tile_label  # noqa: E402
from report.warehouse import DuckDBWarehouse, ReportData  # noqa: E402

# Compact view: report column -> its short heading (the legend under the table spells them out).
COMPACT = {
    "TongCuoc": "TongCuoc",
    "SoCuoc_NoiMay": "NoiMay",
    "TongThoiluongGoi_Giay": "ThoiLuong_s",
    "TongRungChuong_Giay": "RungChuong_s",
    "SoDataNhan": "DataNhan",
    "SoSDT_KetBanZalo": "KetBanZalo",
    "SoSDT_CoNhuCau": "CoNhuCau",
    "SoSDT_TuChoi": "TuChoi",
    "SoSDT_KhongNgheMay": "KhongNgheMay",
}
REPORT = 'main."fact_staff_daily_PK"'


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return str(value)


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def print_table(title: str, columns: list[str], rows: list[tuple], width: int | None, sep: str = "  ",
                right: set[int] = frozenset()) -> None:
    """Plain table; text columns shrink (clipped with …) when the whole would pass `width`.
    Numbers, and the columns listed in `right` (numbers already written as text), align right."""
    text = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in text]) for i, c in enumerate(columns)]
    numeric = [i in right or all(isinstance(row[i], (int, float)) or row[i] is None for row in rows)
               for i in range(len(columns))]
    if width is not None:
        while sum(widths) + len(sep) * (len(widths) - 1) > width:
            widest = max((i for i in range(len(widths)) if not numeric[i]), key=lambda i: widths[i], default=None)
            if widest is None or widths[widest] <= 8:
                break
            widths[widest] -= 1
    print(f"\n{title}")
    print(sep.join(c.rjust(w) if numeric[i] else c.ljust(w) for i, (c, w) in enumerate(zip(columns, widths))).rstrip())
    for r in text:
        print(sep.join(v.rjust(w) if numeric[i] else clip(v, w).ljust(w) for i, (v, w) in enumerate(zip(r, widths))).rstrip())


def print_loads(con, tenants: list[str] | None, width: int | None, one_line_per_tenant: bool) -> None:
    """The latest update_log row of each table and tenant; compact: one line per tenant."""
    where = "where tenant in (select unnest(?::varchar[]))" if tenants else ""
    cursor = con.execute(
        f"""
        select table_name, tenant, mode, rows_loaded, max_updateTime_utc as bookmark_utc, updated_at as loaded_at_utc
        from main.update_log {where}
        qualify row_number() over (partition by table_name, tenant order by updated_at desc) = 1
        order by tenant, table_name
        """,
        [tenants] if tenants else [],
    )
    columns, rows = [d[0] for d in cursor.description], cursor.fetchall()
    title = "update_log: the latest load of each table and tenant"
    if not one_line_per_tenant:
        print_table(title, columns, rows, width)
        return
    tables = sorted({r[0] for r in rows})
    per_tenant = []
    for tenant in sorted({r[1] for r in rows}):
        mine = {r[0]: r for r in rows if r[1] == tenant}
        loaded = max(r[5] for r in mine.values() if r[5] is not None) if any(r[5] for r in mine.values()) else None
        per_tenant.append((tenant, loaded.strftime("%Y-%m-%d %H:%M") if loaded else "",
                           *[f"{mine[t][2]} {mine[t][3] or 0}" if t in mine else "" for t in tables]))
    print_table(title + " (mode and rows; --columns all for bookmarks)", ["tenant", "latest_utc", *tables],
                per_tenant, width)


def print_compact_day(con, day, tenant: str, width: int) -> None:
    """One day of one tenant: a total line per team, then its agents, in `width` columns."""
    measures = ", ".join(f'"{c}"' for c in COMPACT)
    rows = con.execute(
        f'select "Team", "MaNV", "MaNV_id", {measures} from {REPORT} where "Ngay" = ? and "Tenant" = ? '
        'order by "Team", "MaNV", "MaNV_id"', [day, tenant]).fetchall()
    lines: list[tuple] = []
    for team in sorted({r[0] for r in rows}):
        members = [r for r in rows if r[0] == team]
        lines.append((team, *[sum(m[3 + i] or 0 for m in members) for i in range(len(COMPACT))]))
        lines += [("  " + (m[1] or m[2]), *m[3:]) for m in members]
    teams, agents = len(lines) - len(rows), len(rows)
    print_table(f"{day} · {tenant} · {teams} team{'s' * (teams != 1)}, {agents} agent{'s' * (agents != 1)}",
                ["Team / agent", *COMPACT.values()], lines, width, sep=" ")


def print_kpi(data: ReportData, period: int, days: int, words: Words, width: int) -> None:
    """One tenant's section of the HTML report, as tables."""
    tenant = data.tenants[0]
    if not data.rows:
        print(f"\n{words('tenant')} {tenant}: {words('no_data')}")
        return
    print(f"\n{words('tenant')} {tenant} · {period} {words('local_days')} {words.date(data.first_day)} "
          f"{words('to')} {words.date(data.last_day)}, {words('previous', days=period)}")
    if data.hourly is None:
        print(words("kpi_missing"))
    changes = {c.key: c for c in kpi.compare(kpi.summary(data.rows, data.hourly),
                                             kpi.summary(data.previous_rows, data.previous_hourly))}
    lines = [(tile_label(key, label, words), words.figure(changes[key].current, kind),
              words.figure(changes[key].previous, kind), words.change(changes[key].change, changes[key].is_rate))
             for key, label, kind in shown_tiles(data)]
    print_table(words("figures"), ["", words("this_period"), words("previous_period"), words("change")], lines, width,
                right={1, 2, 3})
    if data.hourly is None:
        return
    latest = sorted({row["Ngay"] for row in data.hourly})[-days:]
    per_team: dict = {}
    for row in data.hourly:
        if row["Ngay"] in latest:
            totals = per_team.setdefault((row["Ngay"], row["Team"]), dict.fromkeys(kpi.HOURLY_SUMS, 0))
            for column in kpi.HOURLY_SUMS:
                totals[column] += row[column] or 0
    def rate(part: int, whole: int) -> str:
        return words.figure(kpi.share(part, whole), "rate")

    team_lines = [(words.date(day), team, words.number(t["calls_outbound"]), rate(t["answered_outbound"], t["calls_outbound"]),
                   words.number(t["calls_inbound"]), rate(t["answered_inbound"], t["calls_inbound"]),
                   words.number(t["missed_inbound"]), rate(t["missed_inbound_called_back"], t["missed_inbound"]))
                  for (day, team), t in sorted(per_team.items(), key=lambda item: (-item[0][0].toordinal(), item[0][1]))]
    print_table(words("chart_answer_rate"), ["", "", words("outbound"), "%", words("inbound"), "%",
                                             words("missed_calls"), words("called_back")], team_lines, width,
                right={2, 3, 4, 5, 6, 7})
    for title, columns in ((words("calls"), kpi.CALL_COLUMNS), (words("missed_calls"), ("missed_inbound",))):
        grid = kpi.hour_by_weekday(data.hourly, columns)
        print_table(f"{words('chart_heatmap')}: {title}", ["", *map(str, range(24))],
                    [(name, *map(words.number, row)) for name, row in zip(words.weekdays, grid)], width, sep=" ",
                    right=set(range(1, 25)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="the DuckDB file (e.g. output/demo.duckdb)")
    parser.add_argument("--days", type=int, default=2, help="latest local days to print (default: %(default)s)")
    parser.add_argument("--tenant", action="append", help="only this tenant (repeat for several; default: all)")
    parser.add_argument("--columns", choices=["compact", "all"], default="compact",
                        help="compact: teams and agents in --width columns (default); all: every stored column")
    parser.add_argument("--width", type=int, default=120, help="columns of the compact view (default: %(default)s)")
    parser.add_argument("--kpi", action="store_true", help="the HTML report's figures instead of the staff rows")
    parser.add_argument("--period", type=int, default=30,
                        help="--kpi: days compared with the as many before (default: %(default)s, as the HTML report)")
    parser.add_argument("--lang", help=f"vi or en (default: {LANGUAGE_VARIABLE}, else vi)")
    parser.add_argument("--environment", default=os.environ.get("MELTANO_ENVIRONMENT", "dev"),
                        help="whose schedules say when data is stale (default: %(default)s)")
    args = parser.parse_args()
    try:
        words = Words(language(args.lang))
    except ValueError as error:
        parser.error(str(error))
    # first, each tenant's data age, marked when stale (as on the HTML page)
    data = DuckDBWarehouse(args.database).read(args.tenant, args.period)
    limit = freshness.page_limit_hours(args.environment)
    for _tenant, line, stale in data_age_lines(data, business_time_zone(), dt.datetime.now(dt.UTC), limit, words):
        print(f"!! {line}" if stale else line)
    if args.kpi:
        for tenant in data.tenants:
            print_kpi(data.of_tenant(tenant), args.period, args.days, words, args.width)
        return 0
    con = duckdb.connect(args.database, read_only=True)
    print_loads(con, args.tenant, args.width, one_line_per_tenant=args.columns == "compact")

    tenants = args.tenant or [t for (t,) in con.execute(f'select distinct "Tenant" from {REPORT} order by 1').fetchall()]
    for tenant in tenants:
        total_days = con.execute(f'select count(distinct "Ngay") from {REPORT} where "Tenant" = ?', [tenant]).fetchone()[0]
        days = [d for (d,) in con.execute(f'select distinct "Ngay" from {REPORT} where "Tenant" = ? '
                                          'order by 1 desc limit ?', [tenant, args.days]).fetchall()]
        print(f"\nfact_staff_daily_PK · {tenant}: the latest {len(days)} of {total_days} local days "
              "(--days N for more, --columns all for every column)")
        if args.columns == "all":
            if days:
                cursor = con.execute(f'select * from {REPORT} where "Tenant" = ? and "Ngay" >= ? '
                                     'order by "Ngay" desc, "Team", "MaNV"', [tenant, min(days)])
                rows = cursor.fetchall()
                print_table(f"{len(rows)} rows", [d[0] for d in cursor.description], rows, None)
            continue
        for day in days:
            print_compact_day(con, day, tenant, args.width)
    legend = "Columns: " + ", ".join(f"{short}={column}" for column, short in COMPACT.items() if short != column)
    if args.columns == "compact":
        print("\n" + textwrap.fill(legend + " (_s: seconds).", width=args.width))
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
