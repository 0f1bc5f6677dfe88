"""The rules a tap-callio configuration follows, in plain Python (standard library only).

The tap applies them when it starts (``settings.config_problem``), under any Singer runner. The
orchestrator's preflight loads this very file from the repository (``orchestrate/tap_rules.py``:
the tap's own venv belongs to Meltano) and applies the same rules before any process starts, so
an operator hears about a mistake in one line naming the variable, and each rule has one home.

Messages name the setting and never its value where the value may be a secret.
"""

from __future__ import annotations

import datetime
import json
import typing as t
import unicodedata
from pathlib import Path

MAX_PAGE_SIZE = 500  # the largest page the known client used; larger is unverified
POSITIVE = ("page_size", "min_time_slice_ms", "request_timeout", "tenant_concurrency")
NOT_NEGATIVE = (
    "time_slice_ms",  # 0, like unset: no limit (the old script's "one slice")
    "customers_lookback_ms",
    "calls_lookback_ms",
    "safety_lag_ms",
    "max_records_per_run",
    "max_retries",
    "days_to_fetch_if_empty",
    "reconciliation_days",
    "reconciliation_interval_hours",
)
BYTE_ORDER_MARK = "\ufeff"  # Windows Notepad starts a UTF-8 file with one


class ConfigProblem(ValueError):
    """One configuration mistake, worded for a person and free of secrets."""


# --- numbers and dates -------------------------------------------------------------------------


def number_problem(name: str, value: t.Any) -> str | None:
    """What is wrong with a numeric setting's value, or None (also for settings without a rule)."""
    if name == "page_size":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_PAGE_SIZE:
            return f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}"
    elif name in POSITIVE:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            return f"{name} must be a positive number"
    elif name in NOT_NEGATIVE and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        return f"{name} must be a non-negative whole number"
    return None


def start_date_problem(text: str, now: datetime.datetime | None = None) -> str | None:
    """start_date must be a real moment (``2026-02-30`` is not) and not in the future (a first
    sync from a future date would read nothing, and say nothing)."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return "start_date is not a real date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    now = now or datetime.datetime.now(datetime.UTC)
    if moment > now:
        return f"start_date {moment.date().isoformat()} is in the future: a first sync from it would read nothing"
    return None


# --- the account list ----------------------------------------------------------------------------


def parse_accounts_json(text: str, where: str) -> t.Any:
    """JSON text of the account list (a leading byte order mark is accepted)."""
    try:
        return json.loads(text.lstrip(BYTE_ORDER_MARK))
    except ValueError as exc:
        # the decoder's position only, never the text (it holds passwords)
        position = f" (line {exc.lineno} column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ConfigProblem(f"{where} is not valid JSON{position}") from None


def read_accounts_file(path: Path, where: str) -> t.Any:
    if path.is_dir():
        raise ConfigProblem(f"{where} {path} is a folder, not a file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigProblem(f"{where} {path} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigProblem(f"cannot read {where} {path}: {exc.strerror or type(exc).__name__}") from None
    return parse_accounts_json(text, f"{where} {path}")


def label_problem(label: t.Any) -> str | None:
    """A tenant label is stored on every row and written in log lines: refuse what would put one
    tenant's rows under another's name or forge a log line."""
    if not isinstance(label, str) or not label.strip():
        return "has no 'tenant' label"
    for character in label:
        if unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp"):
            return f"tenant label {label!r} contains the control character U+{ord(character):04X}"
    if label != label.strip():
        return f"tenant label {label!r} has spaces around it: write {label.strip()!r}"
    return None


def label_key(label: str) -> str:
    """Two labels that look the same are the same tenant: trimmed, Unicode NFC (a composed and a
    decomposed "Hà Nội")."""
    return unicodedata.normalize("NFC", label.strip())


def check_accounts(raw: t.Any, where: str) -> list[dict]:
    """The account list, checked: a non-empty list of objects, each with a usable label and
    credentials, no two labels alike. Labels come back in Unicode NFC."""
    if not isinstance(raw, list):
        raise ConfigProblem(f"{where} must be a JSON list of objects")
    if not raw:
        raise ConfigProblem(f"{where} is an empty list: no tenant to sync")
    accounts: list[dict] = []
    first_seen: dict[str, int] = {}
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ConfigProblem(f"{where}: account #{position} is not an object")
        if problem := label_problem(item.get("tenant")):
            raise ConfigProblem(f"{where}: account #{position} {problem}")
        label = item["tenant"]
        has_login = bool(item.get("email")) and bool(item.get("password"))
        if not has_login and not item.get("token"):
            raise ConfigProblem(f"{where}: account {label!r} needs email and password, or token")
        key = label_key(label)
        if key in first_seen:
            raise ConfigProblem(
                f"{where}: duplicate tenant label {label!r} (accounts #{first_seen[key]} and #{position} "
                "are the same tenant once trimmed and Unicode-normalised)"
            )
        first_seen[key] = position
        accounts.append({**item, "tenant": key})
    return accounts


def wanted_tenants(value: t.Any) -> list[str] | None:
    """The ``tenants`` setting: a list of labels, or text (JSON list, or labels separated by
    commas, as an environment variable carries them); None or empty: every account."""
    if value is None or value in ("", []):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = parse_accounts_json(text, "setting tenants")
        else:
            value = [part for part in text.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(label, str) for label in value):
        raise ConfigProblem("setting tenants must be a list of tenant labels")
    return [label_key(label) for label in value] or None


def select_tenants(accounts: list[dict], wanted: list[str] | None) -> list[dict]:
    """The accounts of the wanted labels (every account when None); a label that is no account's
    is refused (a typo would otherwise sync nothing and say so nowhere)."""
    if wanted is None:
        return accounts
    known = {account["tenant"] for account in accounts}
    unknown = [label for label in wanted if label not in known]
    if unknown:
        raise ConfigProblem(f"setting tenants names {', '.join(map(repr, unknown))}, which no account has "
                            f"(accounts: {', '.join(sorted(known))})")
    return [account for account in accounts if account["tenant"] in wanted]
