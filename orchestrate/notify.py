"""Telling a person: one message at the end of a job that did not end well, through apprise.

    CALLIO_NOTIFY_URLS='tgram://BOT_TOKEN/CHAT_ID mailtos://user:app-password@gmail.com?to=ops@example.com'

apprise (pinned) speaks Telegram, e-mail, Slack, Google Chat, Microsoft Teams, plain webhooks
(``json://``) and many more; there is no Zalo plugin (a webhook bridge can forward ``json://``).
The URLs hold secrets: they are never written anywhere, only each service's name.

- A job that did not end well (exit code other than 0, or a configuration refused before it
  started) sends exactly one message: environment, job, machine, each failing tenant and stream
  (and task) with its one-line reason in the console's words, how many tenants were fine, and
  where the full log is.
- A healthy job sends nothing, unless ``CALLIO_NOTIFY_DIGEST=daily``: then the first healthy job
  of each local day sends "N of N tenants OK, data as of ...".
- ``CALLIO_NOTIFY_LANGUAGE``: ``vi`` (default) or ``en``.
- Sending runs in a child process bounded by ``CALLIO_NOTIFY_TIMEOUT`` seconds (default 30): a
  bad URL, a server that is down or one that never answers costs one warning line and never
  changes the job's result or its exit code.

    python -m orchestrate.notify test                                 # a test message to every URL
    python -m orchestrate.notify run-failed --source dagster --job J --reason R [--tenant T] [--where W]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import socket
import subprocess
import sys
from dataclasses import dataclass

from orchestrate import business_time, run_logs, runner_settings
from orchestrate.console import problem_lines
from orchestrate.job_report import JobReport
from orchestrate.project_env import PROJECT_ROOT, setting

log = logging.getLogger("orchestrate.notify")

WORDS = {
    "vi": {
        "failed": "LỖI", "behind": "CHƯA ĐỦ", "stopped": "BỊ DỪNG", "config": "CẤU HÌNH SAI", "ok": "ỔN",
        "environment": "Môi trường", "job": "Job", "machine": "Máy", "started": "Bắt đầu",
        "problems": "Lỗi", "fine": "Tenant ổn", "log": "Log đầy đủ", "digest": "Tổng kết ngày",
        "all_ok": "{fine}/{total} tenant ổn", "data_as_of": "dữ liệu đến", "test": "Thử thông báo của Callio ELT",
        "test_body": "Nếu bạn đọc được dòng này, thông báo đã được cấu hình đúng.",
        "none": "không có", "source": "Nguồn", "tenant": "Tenant", "where": "Chi tiết",
    },
    "en": {
        "failed": "FAILED", "behind": "BEHIND", "stopped": "STOPPED", "config": "CONFIGURATION REFUSED", "ok": "OK",
        "environment": "Environment", "job": "Job", "machine": "Machine", "started": "Started",
        "problems": "Problems", "fine": "Tenants fine", "log": "Full log", "digest": "Daily digest",
        "all_ok": "{fine} of {total} tenants OK", "data_as_of": "data as of", "test": "Callio ELT notification test",
        "test_body": "If you read this, notifications are set up.",
        "none": "none", "source": "Source", "tenant": "Tenant", "where": "Details",
    },
}


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def urls() -> list[str]:
    """CALLIO_NOTIFY_URLS: one or more apprise URLs, separated by spaces, commas or new lines."""
    text = setting("CALLIO_NOTIFY_URLS") or ""
    return [part for part in text.replace(",", " ").split() if part]


def language() -> str:
    chosen = (setting("CALLIO_NOTIFY_LANGUAGE") or "vi").strip().lower()
    return chosen if chosen in WORDS else "vi"


def timeout() -> float:
    return runner_settings.number("CALLIO_NOTIFY_TIMEOUT")


def _where(path: str) -> str:
    return f"{socket.gethostname()}:{path}"


def job_message(report: JobReport) -> Message:
    """The one message of a job that did not end well."""
    w = WORDS[language()]
    if report.stopped_by_signal:
        state = w["stopped"]
    elif report.exit_code == 3:
        state = w["behind"]
    else:
        state = w["failed"]
    tenants = sorted({run.tenant for run in report.streams.values()})
    fine = [t for t in tenants if all(r.status == "OK" for r in report.streams.values() if r.tenant == t)]
    started = business_time.local_text(dt.datetime.fromisoformat(report.started))
    lines = [f"{w['environment']}: {report.environment} · {w['job']}: {report.job} · {w['machine']}: "
             f"{socket.gethostname()} · {w['started']}: {started}", f"{w['problems']}:"]
    lines += [f"- {text}" for text, _style in problem_lines(report)] or [f"- exit {report.exit_code}"]
    lines.append(f"{w['fine']}: {len(fine)}/{len(tenants)}" + (f" ({', '.join(fine)})" if fine else ""))
    lines.append(f"{w['log']}: {_where(report.log_file)}")
    title = f"Callio ELT [{report.environment}] {report.job}: {state}"
    if tenants:
        title += f" ({len(tenants) - len(fine)}/{len(tenants)} tenant)"
    return Message(title, "\n".join(lines))


def not_started_message(environment: str, job: str, reasons: list[str], *, configuration: bool = True) -> Message:
    """A job that never started: its configuration was refused, or another run held it off."""
    w = WORDS[language()]
    prefix = "configuration error: " if configuration else ""
    body = [f"{w['environment']}: {environment} · {w['job']}: {job} · {w['machine']}: {socket.gethostname()}",
            f"{w['problems']}:", *(f"- {prefix}{reason}" for reason in reasons)]
    return Message(f"Callio ELT [{environment}] {job}: {w['config' if configuration else 'failed']}", "\n".join(body))


def digest_message(report: JobReport) -> Message:
    w = WORDS[language()]
    tenants = sorted({run.tenant for run in report.streams.values()})
    reached = sorted(run.bookmark for run in report.streams.values() if run.bookmark)
    as_of = ""
    if reached:
        oldest = dt.datetime.fromisoformat(reached[0].replace("Z", "+00:00"))
        as_of = f", {w['data_as_of']} {business_time.local_text(oldest)}"
    summary = w["all_ok"].format(fine=len(tenants), total=len(tenants))
    body = (f"{w['environment']}: {report.environment} · {w['job']}: {report.job} · {w['machine']}: "
            f"{socket.gethostname()}\n{summary}{as_of}\n{w['log']}: {_where(report.log_file)}")
    return Message(f"Callio ELT [{report.environment}] {w['digest']}: {summary}", body)


def digest_due(environment: str, today: dt.date | None = None) -> bool:
    """CALLIO_NOTIFY_DIGEST=daily and no digest was sent yet this local day (then marked sent)."""
    if (setting("CALLIO_NOTIFY_DIGEST") or "").strip().lower() != "daily":
        return False
    today = today or dt.datetime.now(business_time.zone()).date()
    marker = run_logs.log_root() / f"notify-digest-{environment}.date"
    if marker.exists() and marker.read_text().strip() == today.isoformat():
        return False
    run_logs.private_dir(marker.parent)
    marker.write_text(today.isoformat())
    return True


def after_job(report: JobReport) -> None:
    """What the job runner calls at the end of every job: one message, or a digest, or nothing."""
    if not urls():
        return
    if report.exit_code != 0:
        send(job_message(report))
    elif digest_due(report.environment):
        send(digest_message(report))


def send(message: Message) -> bool:
    """Send to every URL from a child process, bounded by CALLIO_NOTIFY_TIMEOUT; one warning line
    when not every service took it. Never raises: a notifier must not fail a job."""
    if not urls():
        return False
    limit = timeout()
    try:
        done = subprocess.run([sys.executable, "-m", "orchestrate.notify", "send"], cwd=PROJECT_ROOT,
                              input=json.dumps({"title": message.title, "body": message.body}), text=True,
                              capture_output=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        log.warning("notification not sent within %.0f s (CALLIO_NOTIFY_TIMEOUT); the job's result is unchanged", limit)
        return False
    except OSError as exc:
        log.warning("notification not sent (%s); the job's result is unchanged", type(exc).__name__)
        return False
    for line in done.stderr.splitlines():
        if line.strip():
            log.warning("%s", line.strip())
    return done.returncode == 0


def _deliver(message: Message) -> int:
    """The child's part: every URL through apprise; each failure one line naming the entry and its
    service, never the URL (secrets). Exit 0 when every service took it."""
    import apprise  # noqa: PLC0415 (only the sending child needs it)

    logging.getLogger("apprise").setLevel(logging.CRITICAL)  # its lines can quote a URL
    failed = 0
    for position, url in enumerate(urls(), start=1):
        try:
            failed += _deliver_to(apprise, position, url, message)
        except Exception as exc:  # noqa: BLE001 - a notifier never fails a job; its text may quote the URL
            print(f"notification: CALLIO_NOTIFY_URLS entry #{position} failed ({type(exc).__name__}); the job's "
                  "result is unchanged", file=sys.stderr)
            failed += 1
    return 0 if failed == 0 else 1


def _deliver_to(apprise, position: int, url: str, message: Message) -> int:
    """Send to one URL; 0 when it took the message, 1 after one line saying it did not."""
    services = apprise.Apprise()
    if not services.add(url):
        print(f"notification: CALLIO_NOTIFY_URLS entry #{position} is not a URL apprise knows "
              "(e.g. tgram://, mailto://, mailtos://, json://, slack://): not sent there", file=sys.stderr)
        return 1
    # the body is plain text, one fact a line: apprise turns it into each service's own format
    if services.notify(body=message.body, title=message.title, body_format=apprise.NotifyFormat.TEXT):
        return 0
    service = next(iter(services))
    # its name and host only: tokens sit in URLs' paths too (Telegram, Slack, webhooks)
    host = f" at {service.host}" if getattr(service, "host", None) else ""
    print(f"notification: CALLIO_NOTIFY_URLS entry #{position} ({service.service_name}{host}) did not take "
          "the message; the job's result is unchanged", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.notify", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("send", help="(the job runner's child) send the JSON message on stdin")
    commands.add_parser("test", help="send a test message to every URL of CALLIO_NOTIFY_URLS")
    failed = commands.add_parser("run-failed", help="one message for a run another engine (Dagster) saw fail")
    failed.add_argument("--source", required=True)
    failed.add_argument("--job", required=True)
    failed.add_argument("--reason", required=True)
    failed.add_argument("--tenant")
    failed.add_argument("--where")
    failed.add_argument("--environment", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if args.command == "send":
        data = json.loads(sys.stdin.read())
        return _deliver(Message(data["title"], data["body"]))
    if not urls():
        print("notification: CALLIO_NOTIFY_URLS is not set: nothing to send", file=sys.stderr)
        return 2
    w = WORDS[language()]
    if args.command == "test":
        return 0 if send(Message(w["test"], w["test_body"])) else 1
    environment = args.environment or setting("MELTANO_ENVIRONMENT") or "dev"
    lines = [f"{w['environment']}: {environment} · {w['job']}: {args.job} · {w['source']}: {args.source} · "
             f"{w['machine']}: {socket.gethostname()}"]
    if args.tenant:
        lines.append(f"{w['tenant']}: {args.tenant}")
    lines.append(f"{w['problems']}: {args.reason}")
    if args.where:
        lines.append(f"{w['where']}: {args.where}")
    title = f"Callio ELT [{environment}] {args.job}" + (f" ({args.tenant})" if args.tenant else "") + f": {w['failed']}"
    return 0 if send(Message(title, "\n".join(lines))) else 1


if __name__ == "__main__":
    sys.exit(main())
