"""When each job runs (UTC), for the daemon and for the cron / Task Scheduler generators.

The slots are meltano.yml's schedules, unless the old script's variables are set (in the shell
or ``.env``): ``SCHEDULER_RUN_TIMES_UTC`` (``HH:MM`` list, customers + calls at each) and
``SCHEDULER_STAFF_GROUP_TIME_UTC`` (staff + groups once a day; default the earliest run time).
Then the slots are built from them exactly as the old script ran them: at the staff/group time
the whole job (``callio-all``), at the other times ``callio-customers-calls``, and if the
staff/group time is not one of the run times, ``callio-staffgroup`` alone at it.

Local time for cron and Task Scheduler: both fire in the server's local time (Debian's and
Ubuntu's cron ignore ``CRON_TZ``), so :func:`local_times` converts each UTC slot with the
server's current offset; a time zone with daylight saving needs the lines regenerated after each
change, which the generators say in a comment.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from orchestrate.meltano_cli import Schedule, schedules
from orchestrate.project_env import setting

BIGQUERY_SUFFIX = "-bq"
# The hourly freshness check (orchestrate.freshness), beside the jobs in every scheduler: a night
# without any run is reported too. At :15, away from the jobs' slots; not a Meltano job.
FRESHNESS_JOB = "freshness"
FRESHNESS = Schedule("freshness", "15 * * * *", FRESHNESS_JOB)
HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
RUN_TIMES = "SCHEDULER_RUN_TIMES_UTC"
STAFF_TIME = "SCHEDULER_STAFF_GROUP_TIME_UTC"


def _parse_times(text: str) -> list[tuple[int, int]] | None:
    found = []
    for part in text.split(","):
        m = HH_MM.match(part.strip())
        if not m:
            return None
        found.append((int(m[1]), int(m[2])))
    return sorted(set(found))


def problems() -> list[str]:
    found = []
    run_times, staff = setting(RUN_TIMES), setting(STAFF_TIME)
    if run_times is not None and _parse_times(run_times) is None:
        found.append(f"{RUN_TIMES}={run_times!r} is not a list of UTC times HH:MM,HH:MM (e.g. 02:30,04:00)")
    if staff is not None and (_parse_times(staff) is None or len(_parse_times(staff) or []) != 1):
        found.append(f"{STAFF_TIME}={staff!r} is not one UTC time HH:MM (e.g. 02:30)")
    return found


def legacy_schedules(environment: str) -> list[Schedule] | None:
    """The old script's slots, when its variables are set; None otherwise."""
    run_text, staff_text = setting(RUN_TIMES), setting(STAFF_TIME)
    if run_text is None and staff_text is None:
        return None
    if problems():
        raise SystemExit(f"configuration error: {problems()[0]}")
    run_times = _parse_times(run_text or "02:30,04:00,06:00,08:00,11:00") or []
    staff_time = (_parse_times(staff_text) or [None])[0] if staff_text else run_times[0]
    suffix = BIGQUERY_SUFFIX if environment == "prod" else ""
    found = []
    for hour, minute in sorted(set(run_times) | {staff_time}):
        if (hour, minute) == staff_time:
            job = "callio-all" if (hour, minute) in run_times else "callio-staffgroup"
        else:
            job = "callio-customers-calls"
        found.append(Schedule(f"slot-{hour:02d}{minute:02d}{suffix}", f"{minute} {hour} * * *", job + suffix))
    return found


def all_schedules(environment: str) -> list[Schedule]:
    return legacy_schedules(environment) or schedules(environment)


def schedules_for(environment: str, every: list[Schedule], names: list[str] | None) -> list[Schedule]:
    """Explicit names, else the BigQuery twins for prod and the DuckDB ones elsewhere."""
    if names:
        chosen = [s for s in every if s.name in names]
        missing = set(names) - {s.name for s in chosen}
        if missing:
            raise SystemExit(f"unknown schedule(s): {', '.join(sorted(missing))}")
        return chosen
    want_bigquery = environment == "prod"
    return [s for s in every if s.name.endswith(BIGQUERY_SUFFIX) == want_bigquery]


def with_freshness(chosen: list[Schedule]) -> list[Schedule]:
    """The chosen job slots and the hourly freshness check."""
    return [*chosen, FRESHNESS]


# --- local time for cron and Task Scheduler ---------------------------------------------------

@dataclass(frozen=True)
class LocalSlot:
    schedule: Schedule
    utc: str  # HH:MM
    hour: int
    minute: int


def daily_times(cron: str) -> list[tuple[int, int]]:
    """(hour, minute) pairs of a daily cron expression ``M[,M] H[,H] * * *`` (UTC)."""
    fields = cron.split()
    if len(fields) != 5 or fields[2:] != ["*", "*", "*"]:
        raise SystemExit(f"schedule {cron!r}: only daily slots (M H * * *) can be converted to local time")
    try:
        minutes = [int(m) for m in fields[0].split(",")]
        hours = [int(h) for h in fields[1].split(",")]
    except ValueError:
        raise SystemExit(f"schedule {cron!r}: minutes and hours must be numbers (lists allowed)") from None
    return sorted((h, m) for h in hours for m in minutes)


def utc_offset(at: datetime | None = None) -> timedelta:
    """This machine's offset from UTC (the TZ variable or the system zone) at a moment."""
    at = at or datetime.now(UTC)
    return timedelta(seconds=time.localtime(at.timestamp()).tm_gmtoff)


def zone_has_dst(year: int | None = None) -> bool:
    year = year or datetime.now(UTC).year
    offsets = {utc_offset(datetime(year, month, 1, tzinfo=UTC)) for month in range(1, 13)}
    return len(offsets) > 1


def zone_label() -> str:
    offset = utc_offset()
    sign = "+" if offset >= timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d} ({time.strftime('%Z')})"


def local_times(chosen: list[Schedule]) -> list[LocalSlot]:
    offset = utc_offset()
    found = []
    for schedule in chosen:
        if schedule.job == FRESHNESS_JOB:
            continue  # hourly, the same in every time zone: the generators write it themselves
        for hour, minute in daily_times(schedule.cron):
            local = datetime(2000, 1, 2, hour, minute) + offset
            found.append(LocalSlot(schedule, f"{hour:02d}:{minute:02d}", local.hour, local.minute))
    return sorted(found, key=lambda s: (s.hour, s.minute))


def timezone_note() -> list[str]:
    lines = [f"slots converted from UTC to this machine's local time, {zone_label()}"]
    if zone_has_dst():
        lines.append("WARNING: this time zone has daylight saving time: "
                     "regenerate these entries after each clock change")
    return lines
