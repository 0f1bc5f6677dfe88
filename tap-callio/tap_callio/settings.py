"""Settings: the JSON schema shown by ``--about`` and the checks run before any
request (accounts present and well-formed, page size in range, ...).

Config problems are reported as one line without secrets; see
:func:`config_problem`.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

from jsonschema import Draft7Validator
from singer_sdk import typing as th

from tap_callio import config_rules as rules
from tap_callio.config_rules import MAX_PAGE_SIZE, ConfigProblem
from tap_callio.logs import DEFAULT_METRICS_LOG_LEVEL, METRICS_LOG_LEVELS

DEFAULT_API_URL = "https://clientapi.phonenet.io"
CALLS_LOOKBACK_MS = 6 * 3_600_000  # see README "Late records" for the measured cost

ACCOUNT = th.ObjectType(
    th.Property("tenant", th.StringType, required=True, description="Label stored on every row."),
    th.Property("email", th.StringType, description="Login e-mail (with password)."),
    th.Property("password", th.StringType, secret=True, description="Login password."),
    th.Property("token", th.StringType, secret=True, description="Static API token instead of a login."),
)

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "accounts",
        # A list, or the same list as JSON text: environment variables (the old
        # CALLIO_ACCOUNTS_JSON) carry text, and the tap, not the caller, should parse it so that
        # a typo gives the tap's one-line error instead of a trace that may quote the secret.
        th.CustomType({"type": ["array", "string"], "items": ACCOUNT.type_dict}),
        secret=True,
        description='Tenants to sync: [{"tenant","email","password"}] or [{"tenant","token"}], as a list or JSON text.',
    ),
    th.Property(
        "accounts_file",
        th.StringType,
        description="Path of a JSON file holding the same list as `accounts` (used when `accounts` is absent).",
    ),
    th.Property(
        "tenants",
        th.CustomType({"type": ["array", "string", "null"], "items": {"type": "string"}}),
        description=(
            "Labels of the accounts this run syncs (a list, or labels separated by commas); unset: every "
            "account. The job runner's --tenant sets it, with a state id of the tenant's own."
        ),
    ),
    th.Property("api_url", th.StringType, default=DEFAULT_API_URL, description="API base URL."),
    th.Property(
        "refused_logins_file",
        th.StringType,
        description=(
            "File shared by the tap runs of one job (the job runner sets it): a tenant whose login the API "
            "refused is written there and not tried again by the next run, since repeated refusals can lock "
            "the account. Unset: each run tries once."
        ),
    ),
    th.Property(
        "page_size",
        th.IntegerType,
        default=MAX_PAGE_SIZE,
        description=f"Records per request, 1..{MAX_PAGE_SIZE}.",
    ),
    th.Property(
        "start_date",
        th.DateTimeType,
        description=(
            "First time to sync calls when a tenant has no bookmark yet (ISO date-time, UTC if naive); "
            "a first sync reads every customer."
        ),
    ),
    th.Property(
        "days_to_fetch_if_empty",
        th.IntegerType,
        default=30,
        description="Calls, without bookmark and start_date: how many days back from now to start.",
    ),
    th.Property(
        "request_timeout",
        th.NumberType,
        default=90,
        description="Deadline in seconds of one whole HTTP request (connect, headers and body), not of each read.",
    ),
    th.Property(
        "tenant_concurrency",
        th.IntegerType,
        default=4,
        description=(
            "Tenants read at the same time (1 = one after the other). A tenant's retries and "
            "Retry-After waits slow that tenant only."
        ),
    ),
    th.Property(
        "customers_lookback_ms",
        th.IntegerType,
        default=180_000,
        description="customers: re-read this many ms before the bookmark (updates landing late).",
    ),
    th.Property(
        "calls_lookback_ms",
        th.IntegerType,
        default=CALLS_LOOKBACK_MS,
        description=(
            "calls: re-read this many ms before the bookmark on every run: a call record is written when the "
            "call ends, so it appears up to the longest call after its createTime (default 6 h)."
        ),
    ),
    th.Property(
        "reconciliation_days",
        th.IntegerType,
        default=3,
        description=(
            "customers and calls: once per reconciliation_interval_hours, a tenant's run starts this many days "
            "before its bookmark, catching records that became visible later than the look-back (0 = never)."
        ),
    ),
    th.Property(
        "reconciliation_interval_hours",
        th.IntegerType,
        default=24,
        description="Hours between two wide re-reads (reconciliation_days) of a tenant's stream; 0 = every run.",
    ),
    th.Property(
        "time_slice_ms",
        th.IntegerType,
        description=(
            "Longest time slice holding records (unset or 0: no limit). Slices are sized from the record "
            "counts the API reports, up to 10,000 records each; the bookmark advances slice by slice."
        ),
    ),
    th.Property(
        "min_time_slice_ms",
        th.IntegerType,
        default=60_000,
        description=(
            "Shortest slice: a slice holding more than 10,000 records is shortened, "
            "down to this length, before it is read, so that a restart re-reads less."
        ),
    ),
    th.Property(
        "safety_lag_ms",
        th.IntegerType,
        default=60_000,
        description="The bookmark never passes now minus this lag (records still being written).",
    ),
    th.Property(
        "max_records_per_run",
        th.IntegerType,
        default=0,
        description=(
            "Per tenant and stream: stop starting new slices once this many records were read "
            "(0 = no limit). The slice in progress is finished, so the bookmark covers exactly what was read."
        ),
    ),
    th.Property(
        "max_retries",
        th.IntegerType,
        default=5,
        description="Retries of one request (429, 5xx, timeouts, broken bodies) before its tenant fails.",
    ),
    th.Property(
        "retry_base_delay_s",
        th.NumberType,
        default=1,
        description="First back-off delay; doubles per retry, with jitter.",
    ),
    th.Property("retry_max_delay_s", th.NumberType, default=60, description="Longest back-off delay."),
    th.Property(
        "metrics_log_level",
        th.StringType(allowed_values=list(METRICS_LOG_LEVELS)),
        default=DEFAULT_METRICS_LOG_LEVEL,
        description=(
            "Level of the SDK's METRIC log lines (a timer and a counter per request): INFO shows them, "
            "WARNING (default) keeps stderr to one line per tenant and stream."
        ),
    ),
    th.Property(
        "status_custom_field_key",
        th.StringType,
        default="tinh-trang-kh",
        description="customFields key whose value becomes customField_0_val.",
    ),
).to_dict()


# The one home of every default: the schema above. The SDK writes these into the config when it
# validates it; `setting` covers a tap built without validation (discovery, tests) too. Code never
# carries a default of its own (tests/test_config.py::test_defaults_live_only_in_the_schema).
DEFAULTS: dict[str, t.Any] = {
    name: spec["default"] for name, spec in CONFIG_SCHEMA["properties"].items() if "default" in spec
}


def setting(config: t.Mapping[str, t.Any], name: str) -> t.Any:
    """The value of setting ``name``, or its default from the schema."""
    value = config.get(name)
    return DEFAULTS.get(name) if value is None else value


def load_accounts(config: t.Mapping[str, t.Any]) -> list[dict]:
    """The account list from ``accounts`` or ``accounts_file``, checked (config_rules)."""
    raw = config.get("accounts")
    where = "setting accounts"
    if isinstance(raw, str):  # e.g. from an environment variable holding JSON
        raw = rules.parse_accounts_json(raw, where) if raw.strip() else None
    if not raw and config.get("accounts_file"):
        where = "accounts_file"
        raw = rules.read_accounts_file(Path(str(config["accounts_file"])), where)
        where = f"accounts_file {config['accounts_file']}"
    elif not raw:
        raise ConfigProblem("no accounts configured: set 'accounts' or 'accounts_file'")
    return rules.select_tenants(rules.check_accounts(raw, where), rules.wanted_tenants(config.get("tenants")))


def accounts_source(config: t.Mapping[str, t.Any]) -> str:
    """Where the accounts were configured, for messages naming an account (never its secret)."""
    raw = config.get("accounts")
    if raw and not (isinstance(raw, str) and raw.strip() in ("", "[]")):
        return "setting accounts (CALLIO_ACCOUNTS_JSON)"
    return f"accounts_file {config.get('accounts_file')} (CALLIO_ACCOUNTS_FILE)"


def check_numbers(config: t.Mapping[str, t.Any]) -> None:
    for name in (*rules.POSITIVE, *rules.NOT_NEGATIVE):
        value = setting(config, name)
        if value is not None and (problem := rules.number_problem(name, value)):
            raise ConfigProblem(problem)
    if start_date := config.get("start_date"):
        if problem := rules.start_date_problem(str(start_date)):
            raise ConfigProblem(problem)


def check_schema(config: t.Mapping[str, t.Any], schema: dict) -> None:
    """JSON-schema check whose message names the setting and the rule broken,
    never the value (which may be a password)."""
    error = next(iter(Draft7Validator(schema).iter_errors(dict(config))), None)
    if error is None:
        return
    where = "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in error.absolute_path) or " (top level)"
    if error.validator == "type":
        rule = f"must be of type {error.validator_value}"
    elif error.validator == "required":
        rule = "misses a required field"
    else:
        rule = f"breaks the '{error.validator}' rule"
    raise ConfigProblem(f"setting config{where} {rule}")


def check_known(config: t.Mapping[str, t.Any], schema: dict) -> None:
    """A misspelt setting (``page_sise``) would otherwise be ignored silently and the run would
    go on with the default: refuse it, naming only the key."""
    known = set(schema.get("properties", {}))
    unknown = sorted(key for key in config if key not in known)
    if unknown:
        raise ConfigProblem(f"unknown setting(s): {', '.join(map(repr, unknown))} (see tap-callio --about)")


def config_problem(config: t.Mapping[str, t.Any], schema: dict | None = None) -> str | None:
    """The first configuration problem as one line, or None when usable."""
    try:
        if schema is not None:
            check_known(config, schema)
        load_accounts(config)
        check_numbers(config)
        if schema is not None:
            check_schema(config, schema)
    except ConfigProblem as exc:
        return str(exc)
    return None
