"""Vocabulary for realistic Vietnamese data: names, branches, statuses, phone formats.

Everything here is plain data plus tiny pure helpers, so the generator stays deterministic.
"""

from __future__ import annotations

import unicodedata

FAMILY_NAMES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm", "Mai",
]
MIDDLE_NAMES = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Quốc", "Thu", "Gia", "Kim", "Anh"]
GIVEN_NAMES = [
    "An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa", "Hùng", "Hương",
    "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngân", "Nhung", "Phong", "Phúc",
    "Phương", "Quân", "Quyên", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy", "Trang", "Trung", "Tú",
    "Tuấn", "Uyên", "Việt", "Vy", "Yến", "Đạt",
]
BRANCHES = ["HCM", "HN", "DN", "CT", "HP"]
GROUP_NAMES = [
    "Sale HCM 1", "Sale HCM 2", "Sale Hà Nội", "Telesale Đà Nẵng", "CSKH", "Chăm sóc VIP",
    "Tư vấn Online", "Team Zalo", "Sale Cần Thơ", "Thu hồi nợ",
]
# Status values of the custom field `tinh-trang-kh`, as the known deployment sees them.
STATUSES = [
    "Không nghe máy", "Không nghe máy 2", "Kết bạn zalo", "Có nhu cầu", "Suy nghĩ thêm",
    "Tắt máy ngang", "Thuê bao", "Bận", "Từ chối", "Sai số", "Đã chốt đơn", "Hẹn gọi lại",
]
SOURCES = ["Facebook", "Zalo", "Website", "Hotline", "Giới thiệu", "Import Excel", ""]
TAGS = ["vip", "moi", "cu", "tiem-nang", "da-mua", "spam"]
HANGUP_CAUSES = [
    "NORMAL_CLEARING", "USER_BUSY", "NO_ANSWER", "ORIGINATOR_CANCEL", "CALL_REJECTED",
    "NO_USER_RESPONSE", "UNALLOCATED_NUMBER", "NORMAL_TEMPORARY_FAILURE",
]
DIRECTIONS = ["outbound", "inbound", "local"]
MOBILE_PREFIXES = ["90", "91", "93", "94", "96", "97", "98", "32", "33", "34", "35", "36", "37",
                   "38", "39", "70", "76", "77", "78", "79", "81", "82", "83", "84", "85", "86",
                   "88", "89", "56", "58", "59"]


def strip_accents_upper(text: str) -> str:
    """'Nguyễn Văn An' -> 'NGUYEN VAN AN' (staff names in the real API look like this)."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def ascii_slug(text: str) -> str:
    return strip_accents_upper(text).lower().replace(" ", "")


def format_phone(national9: str, style: int) -> str:
    """Render a 9-digit subscriber number in one of the formats seen in the data.

    style 0: national `0xxxxxxxxx`, 1: `84xxxxxxxxx`, 2: `+84xxxxxxxxx`, 3: `+84 xxx xxx xxx`.
    """
    if style == 1:
        return "84" + national9
    if style == 2:
        return "+84" + national9
    if style == 3:
        return f"+84 {national9[:3]} {national9[3:6]} {national9[6:]}"
    return "0" + national9


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _parts(names: list[str]) -> list[tuple[str, str, str]]:
    """(name, unaccented title-case, ascii slug) for each name part, computed once."""
    return [(n, strip_accents_upper(n).title(), ascii_slug(n)) for n in names]


# Precomputed so that generating a customer never runs Unicode normalisation.
FAMILY_PARTS = _parts(FAMILY_NAMES)
MIDDLE_PARTS = _parts(MIDDLE_NAMES)
GIVEN_PARTS = _parts(GIVEN_NAMES)
