"""The report's words and number and date formats, in Vietnamese (default) or English.

The language is `--lang` of `python -m report` and `scripts/show_report.py`, else the
variable CALLIO_REPORT_LANG (`vi` or `en`), else Vietnamese: the call centre reads the report.
Vietnamese writes 1.234,5 and 30/11/2026; English 1,234.5 and 2026-11-30.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

LANGUAGES = ("vi", "en")
LANGUAGE_VARIABLE = "CALLIO_REPORT_LANG"

TEXT = {
    "title": ("Báo cáo tổng đài", "Call-centre report"),
    "tenant": ("Tenant", "Tenant"),
    "local_days": ("ngày", "local days"),
    "to": ("đến", "to"),
    "latest_data": ("dữ liệu mới nhất", "latest data"),
    "last_load": ("lần nạp thành công gần nhất", "last successful load"),
    "never": ("chưa có", "never"),
    "data_age": ("{tenant}: dữ liệu đến {at}, {hours} giờ trước", "{tenant}: data as of {at}, {hours} h ago"),
    "data_stale": ("{tenant}: DỮ LIỆU CŨ, đến {at}, {hours} giờ trước (quá {limit} giờ: đã lỡ hai lần chạy)",
                   "{tenant}: STALE DATA, as of {at}, {hours} h ago (over {limit} h: two runs missed)"),
    "data_never": ("{tenant}: DỮ LIỆU CŨ, cuộc gọi và khách hàng chưa nạp đủ lần nào",
                   "{tenant}: STALE DATA, calls and customers never both loaded"),
    "no_data": ("không có dữ liệu", "no data"),
    "empty": ("fact_staff_daily_PK chưa có dòng nào cho {tenants}: hãy chạy một job trước (báo cáo sẽ hiện {days} "
              "ngày gần nhất).",
              "fact_staff_daily_PK holds no rows for {tenants} yet: run a job first (the report then shows its last "
              "{days} days)."),
    "kpi_missing": ("Chưa có bảng fact_calls_hourly: các chỉ số tổng đài xuất hiện sau lần chạy dbt tiếp theo.",
                    "fact_calls_hourly does not exist yet: the call-centre figures appear after the next dbt run."),
    "generated": ("Tạo lúc {at} từ {source}, bảng fact_staff_daily_PK, fact_calls_hourly. Biểu đồ: plotly.py {version}, "
                  "plotly.js nằm sẵn trong trang.",
                  "Generated {at} from {source}, tables fact_staff_daily_PK, fact_calls_hourly. Charts: plotly.py "
                  "{version}, plotly.js inlined."),
    "previous": ("so với {days} ngày trước", "against the {days} days before"),
    "points": ("điểm %", "points"),
    "figures": ("Các chỉ số", "Figures"),
    "this_period": ("Kỳ này", "This period"),
    "previous_period": ("Kỳ trước", "Previous period"),
    "change": ("Thay đổi", "Change"),
    # tiles
    "calls": ("Cuộc gọi", "Calls"),
    "answered": ("Nghe máy", "Answered"),
    "talk_time": ("Thời gian đàm thoại", "Talk time"),
    "hours": ("giờ", "h"),
    "leads": ("Data nhận", "Leads received"),
    "agents": ("Nhân viên", "Agents"),
    "rate_outbound": ("Tỉ lệ nghe máy gọi ra", "Outbound answer rate"),
    "rate_inbound": ("Tỉ lệ nghe máy gọi vào", "Inbound answer rate"),
    "missed_inbound": ("Cuộc gọi vào nhỡ", "Missed inbound calls"),
    "called_back_share": ("Đã gọi lại", "Called back"),
    # charts
    "chart_calls": ("Cuộc gọi và cuộc nghe máy theo nhóm và ngày", "Calls and answered calls per team and day"),
    "all_calls": ("Tất cả cuộc gọi", "All calls"),
    "answered_calls": ("Cuộc nghe máy", "Answered calls"),
    "chart_answer_rate": ("Tỉ lệ nghe máy theo nhóm và ngày, gọi ra và gọi vào",
                          "Answer rate per team and day, outbound and inbound"),
    "outbound": ("Gọi ra", "Outbound"),
    "inbound": ("Gọi vào", "Inbound"),
    "chart_missed": ("Cuộc gọi vào nhỡ theo ngày và tỉ lệ đã gọi lại",
                     "Missed inbound calls per day and the share called back"),
    "called_back": ("Đã gọi lại", "Called back"),
    "not_called_back": ("Chưa gọi lại", "Not called back"),
    "chart_heatmap": ("Cuộc gọi theo giờ và thứ trong tuần", "Calls per hour and weekday"),
    "missed_calls": ("Cuộc gọi vào nhỡ", "Missed inbound calls"),
    "hour": ("Giờ", "Hour"),
    "chart_agent_time": ("Thời gian đàm thoại và đổ chuông theo nhân viên, phút",
                         "Talk and ring time per agent, minutes"),
    "top_agents": (" ({shown} nhân viên đàm thoại nhiều nhất trong {total})", " (top {shown} of {total} by talk time)"),
    "talk": ("Đàm thoại", "Talk"),
    "ring": ("Đổ chuông, không nghe máy", "Ring, unanswered"),
    "chart_leads": ("Data nhận theo nhóm và ngày", "Leads received per team and day"),
    "chart_status": ("Số khách hàng đã gọi theo tình trạng và ngày", "Customer numbers called, by status and day"),
    "minutes": ("phút", "minutes"),
    "share": ("tỉ lệ", "share"),
}
WEEKDAYS = (("T2", "T3", "T4", "T5", "T6", "T7", "CN"), ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
# Status categories of the report (seed transform/seeds/status_rules.csv), with the names the
# call centre uses.
STATUS = {
    "SoSDT_KetBanZalo": ("Kết bạn Zalo", "Zalo friend"),
    "SoSDT_CoNhuCau": ("Có nhu cầu", "Interested"),
    "SoSDT_TuChoi": ("Từ chối", "Declined"),
    "SoSDT_KhongNgheMay": ("Không nghe máy", "No answer"),
}


def language(chosen: str | None = None) -> str:
    """--lang, else CALLIO_REPORT_LANG, else vi; anything else is a ValueError naming both."""
    value = (chosen or os.environ.get(LANGUAGE_VARIABLE) or "vi").strip().lower()
    if value not in LANGUAGES:
        raise ValueError(f"report language {value!r} (--lang or {LANGUAGE_VARIABLE}): choose vi or en")
    return value


@dataclass(frozen=True)
class Words:
    """The report's texts and formats in one language."""

    lang: str

    @property
    def _index(self) -> int:
        return LANGUAGES.index(self.lang)

    def __call__(self, key: str, **values) -> str:
        text = TEXT[key][self._index]
        return text.format(**values) if values else text

    def status(self, column: str) -> str:
        return STATUS[column][self._index]

    @property
    def weekdays(self) -> tuple[str, ...]:
        return WEEKDAYS[self._index]

    # Plotly's d3 formats: `separators` is the decimal mark then the thousands mark.
    @property
    def plotly_separators(self) -> str:
        return ",." if self.lang == "vi" else ".,"

    @property
    def plotly_day(self) -> str:
        return "%d/%m" if self.lang == "vi" else "%b %d"

    @property
    def plotly_date(self) -> str:
        return "%d/%m/%Y" if self.lang == "vi" else "%Y-%m-%d"

    def number(self, value: float, decimals: int = 0) -> str:
        text = f"{value:,.{decimals}f}"
        return text.translate(str.maketrans(",.", ".,")) if self.lang == "vi" else text

    def percent(self, share: float | None, decimals: int = 1) -> str:
        return "–" if share is None else self.number(100 * share, decimals) + "%"

    def figure(self, value: float | None, kind: str) -> str:
        """A tile's value: kind `count`, `hours` or `rate` (a share)."""
        if value is None:
            return "–"
        if kind == "rate":
            return self.percent(value)
        if kind == "hours":
            return f"{self.number(value, 1)} {self('hours')}"
        return self.number(value)

    def change(self, change: float | None, is_rate: bool) -> str:
        """+12,3% for a count, −0,4 điểm % for a rate (a difference of shares); '' unknown.
        The sign is the one of the number written, not of a rounding residue."""
        if change is None:
            return ""
        shown = round(100 * change, 1)
        sign = "+" if shown > 0 else "−" if shown < 0 else "±"
        amount = f"{self.number(abs(shown), 1)} {self('points')}" if is_rate else self.percent(abs(shown) / 100)
        return sign + amount

    def date(self, day: dt.date) -> str:
        return day.strftime("%d/%m/%Y") if self.lang == "vi" else day.isoformat()

    def moment(self, at: dt.datetime) -> str:
        return at.strftime("%d/%m/%Y %H:%M") if self.lang == "vi" else at.strftime("%Y-%m-%d %H:%M")
