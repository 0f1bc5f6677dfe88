"""The user a scheduled run runs as (systemd's ``User=``), and what it must be able to write.

    python -m orchestrate.service_user --user callio --create   # as root: create it, give it its folders
    python -m orchestrate.service_user --user callio            # check only: one line per problem
    python -m orchestrate.service_user --user callio --unit     # print the systemd unit for it

A unit with ``User=callio`` on a server where nothing created that user, or where the project
belongs to root, ends every command in a PermissionError and restarts in a loop. This module
creates the user (a system account without a login shell) when asked and run as root, and gives
it exactly the folders a run writes, read from the same settings the runner uses: Meltano's
system folder (state database, run folders, the run lock), the run logs, the warehouse file's
folder and the HTML report's (DuckDB environments), and dbt's target and log folders. The plugin
venvs stay as they are (read and run only). ``.env`` becomes readable by the user's group only.
Then it checks, as that user, that each folder is writable and each secret file readable, and
says in one line what to run where not.
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import os
import pwd
import shlex
import subprocess
import sys
from pathlib import Path

from orchestrate import hygiene, project_files, run_lock, run_logs
from orchestrate.project_env import PROJECT_ROOT, env_file, setting

DEFAULT_USER = "callio"
UNIT = """[Unit]
Description=Callio ELT scheduler
After=network-online.target
Wants=network-online.target

[Service]
User={user}
Group={group}
WorkingDirectory={root}
# Meltano and uv keep small caches under HOME (created with the user, in Meltano's folder).
Environment=HOME={home}
ExecStart={python} -m orchestrate.daemon --environment={environment}
Restart=on-failure
RestartSec=30
# The daemon ends the running task's tree itself (SIGTERM, then SIGKILL after 30 s):
KillMode=mixed
TimeoutStopSec=90

[Install]
WantedBy=multi-user.target
"""


FRESHNESS_SERVICE = """[Unit]
Description=Callio ELT freshness check (is every tenant's data recent enough?)

[Service]
Type=oneshot
User={user}
Group={group}
WorkingDirectory={root}
Environment=HOME={home}
ExecStart={python} -m orchestrate.freshness --environment={environment}
"""
FRESHNESS_TIMER = """[Unit]
Description=Hourly Callio ELT freshness check, independent of the daemon

[Timer]
OnCalendar=*-*-* *:15:00
Persistent=true

[Install]
WantedBy=timers.target
"""


def writable_folders(environment: str) -> list[Path]:
    """Every folder a run writes into (created if missing), in the order they are given out."""
    system = hygiene.meltano_system_dir()
    folders = [system, system / "run", home(), run_lock.lock_path().parent, run_logs.log_root(),
               Path(setting("DBT_TARGET_PATH") or PROJECT_ROOT / "transform" / "target"),
               Path(setting("DBT_LOG_PATH") or PROJECT_ROOT / "transform" / "logs"),
               Path(setting("CALLIO_REPORT_PATH") or PROJECT_ROOT / "output" / "report.html").parent]
    database = setting("MELTANO_DATABASE_URI") or ""
    if database.startswith("sqlite:///"):
        folders.append(Path(database.removeprefix("sqlite:///")).parent)
    if "target-duckdb" in project_files.plugins():
        warehouse = project_files.configured(environment, "target-duckdb", "filepath").value
        if warehouse and environment != "prod":
            folders.append(Path(warehouse).expanduser().parent)
    return list(dict.fromkeys(folder.resolve() for folder in folders))


def readable_files(environment: str) -> list[Path]:
    """Files with secrets or settings a run reads: .env, the accounts file, the key file."""
    found = [env_file()]
    accounts = project_files.configured(environment, "tap-callio", "accounts_file").value
    if accounts:
        found.append(Path(accounts).expanduser())
    if key := setting("SERVICE_ACCOUNT_KEY_FILE"):
        found.append(Path(key).expanduser())
    return [path for path in dict.fromkeys(found) if path.exists()]


def home() -> Path:
    """The service user's HOME (Meltano and uv keep small caches there): inside Meltano's folder."""
    return hygiene.meltano_system_dir() / "home"


def create_user(user: str) -> None:
    subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", str(home()),
                    "--shell", "/usr/sbin/nologin", user], check=True)


def give(user: str, folders: list[Path], files: list[Path]) -> None:
    """The folders (and what is in them, but for the plugin venvs) to the user; the secret files
    readable by its group, by nobody else."""
    entry = pwd.getpwnam(user)
    venvs = {hygiene.meltano_system_dir() / kind for kind in ("extractors", "loaders", "utilities", "mappers")}
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        for path in _tree(folder, skip=venvs):
            with contextlib.suppress(FileNotFoundError):
                os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
        os.chmod(folder, 0o700)
    for path in files:
        os.chown(path, os.stat(path).st_uid, entry.pw_gid)
        os.chmod(path, 0o640)


def _tree(folder: Path, skip: set[Path]):
    yield folder
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        dirs[:] = [d for d in dirs if here / d not in skip]
        for name in (*dirs, *names):
            yield here / name


def problems(user: str, folders: list[Path], files: list[Path]) -> list[str]:
    """What the user cannot do, asked as that user (its own view of the permissions)."""
    try:
        pwd.getpwnam(user)
    except KeyError:
        return [f"the service user {user!r} does not exist: run as root `python -m orchestrate.service_user "
                f"--user {user} --create` (or: useradd --system --user-group --shell /usr/sbin/nologin {user})"]
    found = []
    checks = [("-w", folder) for folder in folders] + [("-r", path) for path in files]
    for flag, path in checks:
        if not _as_user(user, ["test", flag, str(path)]):
            what = "write to" if flag == "-w" else "read"
            found.append(f"the service user {user!r} cannot {what} {path}: run as root "
                         f"`python -m orchestrate.service_user --user {user} --create`")
    interpreter = Path(os.path.realpath(sys.executable))
    for target in (interpreter, PROJECT_ROOT):
        closed = next((folder for folder in reversed(target.parents) if not _as_user(user, ["test", "-x", str(folder)])),
                      None)
        if closed is not None:
            found.append(f"the service user {user!r} cannot reach {target}: {closed} is closed to it "
                         f"(chmod o+x {closed}, or install Python and the project where every user can run them)")
    if not found and not _as_user(user, [sys.executable, "-c", "import orchestrate.run_job"], cwd=PROJECT_ROOT):
        found.append(f"the service user {user!r} cannot run {sys.executable} in {PROJECT_ROOT}")
    return found


def _as_user(user: str, command: list[str], cwd: Path | None = None) -> bool:
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name == user and subprocess.run(command, cwd=cwd, check=False,
                                                                              capture_output=True).returncode == 0
    done = subprocess.run(["runuser", "-u", user, "--", *command], cwd=cwd, check=False, capture_output=True)
    return done.returncode == 0


def unit(user: str, environment: str, template: str = UNIT) -> str:
    group = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name if _exists(user) else user
    return template.format(user=user, group=group, root=PROJECT_ROOT, home=home(), python=shlex.quote(sys.executable),
                           environment=environment)


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.service_user", description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", default=DEFAULT_USER, help=f"default {DEFAULT_USER}")
    parser.add_argument("--environment", default=None, help="default: MELTANO_ENVIRONMENT, else prod")
    parser.add_argument("--create", action="store_true", help="(root) create the user if missing, give it its folders")
    parser.add_argument("--unit", action="store_true", help="print the systemd unit for this user and project")
    parser.add_argument("--freshness-service", action="store_true",
                        help="print callio-freshness.service (the hourly freshness check, run by the timer)")
    parser.add_argument("--freshness-timer", action="store_true", help="print callio-freshness.timer (hourly)")
    args = parser.parse_args(argv)
    environment = args.environment or setting("MELTANO_ENVIRONMENT") or "prod"
    if args.unit or args.freshness_service:
        print(unit(args.user, environment, UNIT if args.unit else FRESHNESS_SERVICE), end="")
        return 0
    if args.freshness_timer:
        print(FRESHNESS_TIMER, end="")
        return 0
    folders, files = writable_folders(environment), readable_files(environment)
    if args.create:
        if os.geteuid() != 0:
            print(f"service user: --create needs root: sudo {shlex.quote(sys.executable)} -m orchestrate.service_user "
                  f"--user {args.user} --create", file=sys.stderr)
            return 2
        if not _exists(args.user):
            create_user(args.user)
            print(f"service user: created {args.user} (system account, no login shell)")
        give(args.user, folders, files)
    found = problems(args.user, folders, files)
    for problem in found:
        print(f"service user: {problem}", file=sys.stderr)
    if found:
        return 2
    print(f"service user: {args.user} can run the jobs here (writes {len(folders)} folders, reads {len(files)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
