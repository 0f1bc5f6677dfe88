"""Print the README's settings table: the rows of `tap-callio --about
--format=markdown` for the tap's own settings, plus the environment variable
the old script used for each (a test keeps README.md in sync with this)."""

from __future__ import annotations

import subprocess
import sys

from tap_callio.settings import CONFIG_SCHEMA

# Old script variable for each setting; "new" marks settings this tap introduced.
OLD_NAMES = {
    "accounts": "CALLIO_ACCOUNTS_JSON",
    "accounts_file": "CALLIO_ACCOUNTS_FILE",
    "tenants": "new (one tenant per run)",
    "api_url": "CALLIO_API_BASE_URL",
    "refused_logins_file": "new (set by the job runner)",
    "page_size": "API_PAGE_SIZE",
    "start_date": "new",
    "days_to_fetch_if_empty": "DAYS_TO_FETCH_IF_EMPTY",
    "request_timeout": "API_TIMEOUT",
    "tenant_concurrency": "new",
    "customers_lookback_ms": "OVERLAP_MS",
    "calls_lookback_ms": "new (late call records)",
    "reconciliation_days": "new (late records)",
    "reconciliation_interval_hours": "new (late records)",
    "time_slice_ms": "API_TIME_SLICE_MS",
    "min_time_slice_ms": "API_MIN_SLICE_MS",
    "safety_lag_ms": "new",
    "max_records_per_run": "LIMIT_RECORDS_PER_ENDPOINT",
    "max_retries": "new",
    "retry_base_delay_s": "new",
    "retry_max_delay_s": "new",
    "metrics_log_level": "new (METRIC lines on request)",
    "status_custom_field_key": "new (was hard-coded `tinh-trang-kh`)",
}


def settings_table() -> str:
    about = subprocess.run(
        [sys.executable, "-m", "tap_callio", "--about", "--format=markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = ["| Setting | Default | Description | Old env var |", "|:--|:--|:--|:--|"]
    missing = set(CONFIG_SCHEMA["properties"]) - set(OLD_NAMES)
    if missing:  # a new setting must get its row (and say whether the old script had it)
        raise SystemExit(f"settings_table.py: add {sorted(missing)} to OLD_NAMES")
    for line in about.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] in OLD_NAMES:
            name, _required, default, description = cells
            lines.append(f"| `{name}` | {default} | {description} | {OLD_NAMES[name]} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(settings_table())
