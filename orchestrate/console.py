"""What a person sees while a job runs, and the table it ends with.

- Every event goes to the run's log file in full (``orchestrate.run_logs``).
- On the console, by default: the runner's own lines, warnings and errors, one line per tenant ×
  stream when it finishes, dbt's closing line, and the final table. Per-request ``METRIC`` lines,
  per-slice lines and Meltano's chatter stay in the log file (``--verbose`` or ``LOG_LEVEL=DEBUG``
  shows them too).
- On a terminal, a live progress bar per tenant × stream (records so far, rate, time left
  estimated from the share of the time window already read). Off a terminal (cron, systemd, CI)
  no bar and no colour codes.

Rendering is rich's (pinned in requirements.txt); this module only decides what to show.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from orchestrate import events
from orchestrate.events import Event
from orchestrate.exit_codes import EXIT_BEHIND
from orchestrate.job_report import BEHIND, JobReport, StreamRun

DBT_CLOSING = ("Done. PASS=", "Completed with ")


def make_console(stream: TextIO | None = None) -> Console:
    stream = stream or sys.stderr
    terminal = stream.isatty()
    # Off a terminal: no colour codes, no cursor movement, and lines as wide as they need.
    return Console(file=stream, force_terminal=terminal, no_color=not terminal, highlight=False,
                   width=None if terminal else 200, soft_wrap=not terminal)


class JobConsole:
    def __init__(self, console: Console, *, verbose: bool, quiet: bool = False) -> None:
        self.console = console
        self.verbose = verbose
        self.quiet = quiet  # LOG_LEVEL=WARNING or above: warnings, errors and the closing table only
        self.live = console.is_terminal
        self._progress: Progress | None = None
        self._bars: dict[str, TaskID] = {}

    # --- the runner's own lines ---------------------------------------------------------------

    def say(self, text: str, *, style: str | None = None, detail: bool = False, error: bool = False) -> None:
        """A line of the runner's own; ``detail`` lines (a task started, ...) only when verbose,
        ``error`` lines even when quiet (LOG_LEVEL=WARNING)."""
        if (detail or (self.quiet and not error)) and not self.verbose:
            return
        self.console.print(text, style=style, markup=False)

    def _print(self, text: str, *, style: str | None = None) -> None:
        self.console.print(text, style=style, markup=False)

    # --- task output --------------------------------------------------------------------------

    def task_started(self, task: str) -> None:
        if self.live and self._progress is None:
            self._progress = Progress(
                TextColumn("{task.description:<22}"),
                BarColumn(bar_width=24),
                TextColumn("{task.fields[records]:>8} records"),
                TextColumn("{task.fields[rate]:>8}/s"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=False,
            )
            self._progress.start()

    def event(self, event: Event, changed: StreamRun | None) -> None:
        if changed is not None and self._progress is not None:
            self._update_bar(changed)
        if self._shown(event, changed):
            style = {"error": "red", "critical": "red", "warning": "yellow"}.get(event.level)
            self.say(event.plain() if self.verbose else self._short(event), style=style)

    def task_ended(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._bars.clear()

    def _shown(self, event: Event, changed: StreamRun | None) -> bool:
        if self.verbose:
            return True
        if events.is_noise(event):
            return False
        if event.level in ("warning", "error", "critical"):
            return True
        if self.quiet:
            return False
        if event.source == "output":  # not a Meltano log line: a crash before logging began
            return True
        if changed is not None and events.STREAM_DONE.search(event.text):
            return not self.live  # the bar already shows it on a terminal
        return any(mark in event.text for mark in DBT_CLOSING)

    @staticmethod
    def _short(event: Event) -> str:
        return f"{event.timestamp.strftime('%H:%M:%S')} {event.source}: {event.text}"

    def _update_bar(self, run: StreamRun) -> None:
        assert self._progress is not None
        key = f"{run.tenant}/{run.stream}"
        if key not in self._bars:
            self._bars[key] = self._progress.add_task(f"{run.tenant} {run.stream}", total=1000, records=0, rate="-")
        bar = self._bars[key]
        fraction = 1.0 if run.status != "RUNNING" else run.fraction_done()
        elapsed = self._progress.tasks[bar].elapsed or 0
        rate = f"{run.records / elapsed:,.0f}" if elapsed > 0 else "-"
        self._progress.update(bar, completed=(fraction or 0) * 1000, records=f"{run.records:,}", rate=rate)

    # --- the closing table ------------------------------------------------------------------

    def summary(self, report: JobReport) -> None:
        """One row per tenant × stream (its words in a fixed order: tenant, stream, status,
        records, duration, bookmark), then one line per failure with its reason."""
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        for name, justify in (("tenant", "left"), ("stream", "left"), ("status", "left"), ("records", "right"),
                              ("duration", "right"), ("bookmark reached", "left")):
            table.add_column(name, justify=justify, no_wrap=True)
        runs = sorted(report.streams.values(), key=lambda r: (r.tenant, r.stream))
        for run in runs:
            seconds = run.seconds
            table.add_row(run.tenant, run.stream, run.status, str(run.records),
                          "-" if seconds is None else f"{seconds:.0f}s", run.bookmark or "-",
                          style={"OK": None, BEHIND: "yellow"}.get(run.status, "red"))
        if runs:
            self.console.print(table)
        for line, style in problem_lines(report):
            self._print(f"  {line}", style=style)
        ok = report.exit_code == 0
        self._print(f"job {report.job} ({report.environment}): {outcome(report)}; full log: {report.log_file}",
                    style="green" if ok else "bold red")


def problem_lines(report: JobReport) -> list[tuple[str, str | None]]:
    """Each tenant × stream that is not OK and each task that did not end well, with its one-line
    reason, and the style it is shown in: the same words on the console and in a notification."""
    lines: list[tuple[str, str | None]] = []
    for run in sorted(report.streams.values(), key=lambda r: (r.tenant, r.stream)):
        if run.status == BEHIND:
            lines.append((f"BEHIND {run.tenant}/{run.stream}: {run.reason or 'see the log file'}", "yellow"))
        elif run.status != "OK":
            lines.append((f"FAILED {run.tenant}/{run.stream} ({run.status}): {run.reason or 'see the log file'}", "red"))
    for task in report.tasks:
        if task.returncode == 0:
            continue  # each finished task already has its line above
        mark = "not run" if task.returncode is None else f"FAILED (exit {task.returncode})"
        line = f"task {task.task:<38} {mark:<16} {task.seconds:>5.0f}s"
        if task.returncode not in (0, None) and task.last_error:
            line += f"  {task.last_error}"
        lines.append((line, None if task.returncode in (0, None) else "red"))
    return lines


def outcome(report: JobReport) -> str:
    """A job's end in a few words, the same on the console and in ``orchestrate.runs``."""
    if report.exit_code == 0:
        return "all tasks ok"
    if report.stopped_by_signal:
        return f"STOPPED by signal {report.stopped_by_signal} (exit {report.exit_code})"
    if report.exit_code is None:
        return "did not finish (killed?)"
    if report.exit_code == EXIT_BEHIND:
        streams = ", ".join(f"{r.tenant}/{r.stream}" for r in report.behind_streams)
        return f"BEHIND (exit {EXIT_BEHIND}): stopped at the record cap, data not current: {streams}"
    return f"FAILED (exit {report.exit_code})"
