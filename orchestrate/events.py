"""Meltano's output, one event per line, and what the tap's lines among them say.

The runner starts every ``meltano`` with ``--log-format=json``: each line is then a JSON object
with the plugin's ``name`` (e.g. ``tap-callio--calls``), its ``level`` and the text (``event``).
The tap's own lines are matched by their words (``tenant PK stream calls: ...``); a line this
module does not recognise is still kept in the run's log file, so a changed wording of the tap
loses progress detail, never data or errors.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Event:
    timestamp: datetime
    level: str
    source: str  # the plugin's name, or "meltano"
    text: str
    # Meltano's "Block run completed" record: the block's number in its `meltano run`
    # (0, 1, ...) and whether it succeeded; None on every other line.
    block_ended: tuple[int, bool] | None = None

    def plain(self) -> str:
        """One line of the run's log file."""
        return f"{self.timestamp.isoformat(timespec='milliseconds')} {self.level:<7} {self.source:<22} {self.text}"


ANSI_CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


# Fields of every Meltano JSON log record; anything else is the record's own data.
LOG_RECORD_KEYS = frozenset({"event", "level", "timestamp", "name", "cmd_type", "stdio", "consumer", "producer",
                             "string_id", "job_name", "run_id", "state_id", "plugin_type"})


def parse_line(line: str) -> Event:
    """A line of Meltano's JSON log; any other line (a crash before logging was set up, say)
    becomes an event of its own so that nothing is dropped. Colour codes a plugin wrote (dbt
    colours even into a pipe) are removed: neither a log file nor a cron mail should hold them."""
    line = ANSI_CODES.sub("", line.rstrip("\n"))
    now = datetime.now(UTC)
    try:
        data = json.loads(line)
    except ValueError:
        return Event(now, "info", "output", line)
    if not isinstance(data, dict) or "event" not in data:
        return Event(now, "info", "output", line)
    try:
        stamp = datetime.fromisoformat(str(data.get("timestamp", "")).replace("Z", "+00:00"))
    except ValueError:
        stamp = now
    text = ANSI_CODES.sub("", str(data["event"]))
    if text == "METRIC":
        # Structured logging: the SDK's metric point arrives in the record's fields, not in its
        # message; keep it in the run log ("METRIC: {...}" as in the SDK's plain-text logs).
        # The point is `metric_info`; the rest is the logger's own book-keeping (its object's
        # repr, pid, thread), kept only when a record has no `metric_info`.
        point = data.get("metric_info") or {key: value for key, value in data.items()
                                             if key not in LOG_RECORD_KEYS and not key.startswith("_")}
        text = f"METRIC: {json.dumps(point, default=str, sort_keys=True)}"
    block_ended = None
    if text == "Block run completed" and isinstance(data.get("set_number"), int):
        block_ended = (data["set_number"], data.get("success") is True)
    return Event(stamp, str(data.get("level", "info")).lower(), str(data.get("name") or "meltano"), text,
                 block_ended)


# --- what the tap says -------------------------------------------------------------------

READING = re.compile(r"tenant (?P<tenant>\S+) stream (?P<stream>\w+): reading (?P<start>\S+) \.\. (?P<end>\S+)")
SLICE_DONE = re.compile(
    r"tenant (?P<tenant>\S+) stream (?P<stream>\w+): slice \[\S+ \.\. (?P<hi>\S+)\] done, \d+ records \((?P<total>\d+) this run\)"
)
STREAM_DONE = re.compile(r"tenant (?P<tenant>\S+) stream (?P<stream>\w+): (?P<status>[A-Z_]+), (?P<records>\d+) records")
SUMMARY_START = re.compile(r"tap-callio run (?P<run_id>\w+) summary:")
SUMMARY_ROW = re.compile(
    r"^(?P<tenant>\S+)\s+(?P<stream>\w+)\s+(?P<status>[A-Z_]+)\s+(?P<records>\d+)\s+(?P<dropped>\d+)\s+(?P<bookmark>\S+)"
)
FAILED = re.compile(r"^(?:FAILED|BEHIND) (?P<tenant>[^/\s]+)/(?P<stream>\w+): (?P<reason>.*)$")
# A plugin's last word before it gives up, whatever level Meltano logged it at: the tap's
# "configuration error: ..." (stderr, so "info" in Meltano's log), an exception's closing line.
# Anywhere in the line: a loader's "...: DuckDB refuses x: Catalog Error: ..." names its cause last.
FATAL = re.compile(r"configuration error: |^error: |\w*(?:Error|Exception): \S")

# Lines that only ever add noise to a console (they stay in the log file).
NOISE = (
    re.compile(r"^METRIC: "),
    re.compile(r"^Force option is enabled"),
    re.compile(r"^No state was found"),
    re.compile(r"ResourceWarning|tracemalloc|^\s+return run_guard"),
    # Meltano's own words for a failed block: the runner's "task FAILED" line says it once.
    re.compile(r"^(Extractor|Loader|Mapper) failed$|^Block run completed"),
    re.compile(r"Need help fixing this problem\? Visit"),
)


def is_noise(event: Event) -> bool:
    return any(pattern.search(event.text) for pattern in NOISE)


def parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
