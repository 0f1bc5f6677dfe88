"""What one job run did, per task and per tenant × stream, gathered from the tap's lines.

Each tap run ends with a summary (status, records, bookmark reached per tenant and stream, and
a ``FAILED tenant/stream: reason`` line per failure); the per-stream lines before it give the
progress and the duration. A tenant × stream that started but never reached the summary (the
tap was killed or stopped) is reported as ``STOPPED`` or ``INCOMPLETE``, never as done.
The report is saved next to the run's log file (``.json``) for ``python -m orchestrate.runs``.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from orchestrate import events
from orchestrate.events import Event
from orchestrate.exit_codes import EXIT_BEHIND, EXIT_FAILED, EXIT_OK

BEHIND = "BEHIND"  # the tap's status of a stream stopped at the record cap


@dataclass
class StreamRun:
    tenant: str
    stream: str
    task: str
    status: str = "RUNNING"
    records: int = 0
    started: str | None = None
    finished: str | None = None
    window_start: str | None = None
    window_end: str | None = None
    reached: str | None = None  # end of the last completed slice (progress)
    bookmark: str | None = None  # bookmark reached, from the tap's summary
    reason: str | None = None

    @property
    def seconds(self) -> float | None:
        if not (self.started and self.finished):
            return None
        return (datetime.fromisoformat(self.finished) - datetime.fromisoformat(self.started)).total_seconds()

    def fraction_done(self) -> float | None:
        """Share of the time window read so far (the ETA's basis: records arrive roughly
        evenly over time, and the API's window is known before the first page)."""
        values = (self.window_start, self.window_end, self.reached)
        start, end, reached = (events.parse_time(v) if v else None for v in values)
        if not (start and end and reached) or end <= start:
            return None
        return max(0.0, min(1.0, (reached - start) / (end - start)))


@dataclass
class TaskRun:
    task: str
    returncode: int | None = None
    seconds: float = 0.0
    last_error: str | None = None  # the one-line reason of a failed task
    last_line: str | None = None  # its plugins' last line, the reason when no line says "error"


@dataclass
class JobReport:
    job: str
    environment: str
    started: str
    log_file: str
    finished: str | None = None
    # the machine that ran it: with a shared system database, `orchestrate.runs` lists every
    # machine's runs (orchestrate.shared_reports); a report saved before this field is read as
    # this machine's (it is one of its own files)
    host: str = field(default_factory=socket.gethostname)
    pid: int | None = field(default_factory=os.getpid)  # the runner's: is a run without an end still going?
    exit_code: int | None = None
    stopped_by_signal: int | None = None
    tasks: list[TaskRun] = field(default_factory=list)
    streams: dict[str, StreamRun] = field(default_factory=dict)
    _summary_of: str | None = None  # task whose tap summary is being read

    # --- feeding --------------------------------------------------------------------------

    def task_started(self, task: str) -> TaskRun:
        run = TaskRun(task)
        self.tasks.append(run)
        return run

    def feed(self, task: TaskRun, event: Event) -> StreamRun | None:
        """Take one event of a task; returns the stream run it changed, if any."""
        text = event.text
        if not events.is_noise(event) and text.strip():
            # one line: an error event can carry a whole exception (SQLAlchemy's spans five lines,
            # the statement and its parameters after the reason); the log file keeps all of it
            first_line = text.strip().splitlines()[0]
            if event.level in ("error", "critical") or events.FATAL.search(text):
                task.last_error = first_line
            elif event.source != "meltano":
                task.last_line = first_line  # the reason, when a plugin gives up without an error line
        if events.SUMMARY_START.search(text):
            self._summary_of = task.task
            return None
        if self._summary_of == task.task:
            if row := events.SUMMARY_ROW.match(text):
                run = self._stream(row["tenant"], row["stream"], task.task)
                run.status = row["status"]
                run.records = int(row["records"])
                run.bookmark = None if row["bookmark"] == "-" else row["bookmark"]
                return run
            if failed := events.FAILED.match(text):
                run = self._stream(failed["tenant"], failed["stream"], task.task)
                run.reason = failed["reason"]
                return run
            if not text.startswith("tenant "):
                self._summary_of = None
        stamp = event.timestamp.isoformat()
        if m := events.READING.search(text):
            run = self._stream(m["tenant"], m["stream"], task.task)
            run.started, run.window_start, run.window_end, run.status = stamp, m["start"], m["end"], "RUNNING"
            return run
        if m := events.SLICE_DONE.search(text):
            run = self._stream(m["tenant"], m["stream"], task.task)
            run.reached, run.records = m["hi"], int(m["total"])
            return run
        if m := events.STREAM_DONE.search(text):
            run = self._stream(m["tenant"], m["stream"], task.task)
            run.finished, run.status, run.records = stamp, m["status"], int(m["records"])
            return run
        return None

    def task_ended(self, task: TaskRun, returncode: int, seconds: float, *, stopped: bool,
                   reason: str | None = None) -> None:
        task.returncode, task.seconds = returncode, seconds
        if returncode != 0:
            task.last_error = reason or task.last_error or task.last_line
        for run in self.streams.values():
            if run.task == task.task and run.status == "RUNNING":
                run.status = "STOPPED" if stopped else "INCOMPLETE"
                run.reason = run.reason or (
                    "the run was stopped before this stream finished" if stopped
                    else f"the task ended (exit {returncode}) before this stream finished"
                )

    def _stream(self, tenant: str, stream: str, task: str) -> StreamRun:
        key = f"{tenant}/{stream}"
        if key not in self.streams:
            self.streams[key] = StreamRun(tenant, stream, task)
        return self.streams[key]

    # --- reading ---------------------------------------------------------------------------

    @property
    def failed_tasks(self) -> list[TaskRun]:
        return [t for t in self.tasks if t.returncode not in (0, None)]

    @property
    def failed_streams(self) -> list[StreamRun]:
        return [s for s in self.streams.values() if s.status not in ("OK", BEHIND)]

    @property
    def behind_streams(self) -> list[StreamRun]:
        """Stopped at the record cap: delivered and bookmarked, but not current (exit 3)."""
        return [s for s in self.streams.values() if s.status == BEHIND]

    def outcome_code(self) -> int:
        if self.failed_tasks or self.failed_streams:
            return EXIT_FAILED
        return EXIT_BEHIND if self.behind_streams else EXIT_OK

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("_summary_of", None)
        return data

    def save(self, path: Path) -> None:
        path.touch(mode=0o600)
        path.write_text(json.dumps(self.as_dict(), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> JobReport:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_dict(cls, data: dict) -> JobReport:
        data = dict(data)
        tasks = [TaskRun(**t) for t in data.pop("tasks", [])]
        streams = {k: StreamRun(**v) for k, v in data.pop("streams", {}).items()}
        return cls(**data, tasks=tasks, streams=streams)
