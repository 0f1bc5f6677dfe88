"""Run the real target as a child, stream messages through it, hold its STATE back until the
warehouse proves every record landed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Callable

from .load_sequence import next_load_id
from .messages import SingerRewriter
from .private_dir import environment_with_temp, guard_home, load_temp_folder, private_folder
from .verify import LandedCounter, find_shortfalls

EXIT_SHORT = 3
"""Exit code when the target exited 0 but rows are missing from the warehouse."""
EXIT_UNVERIFIABLE = 4
"""Exit code when the warehouse could not be queried to verify the load."""

EXIT_CANNOT_START = 127
"""Exit code when the target executable cannot be started (as a shell would say)."""

FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT)

SECRET_KEY_HINTS = ("token", "password", "secret", "credential", "private", "key")


class _Interrupted(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def secret_values(config: Mapping[str, Any]) -> list[str]:
    """Config values that must never be echoed, whatever library error quotes them."""
    found = []
    for key, value in config.items():
        if isinstance(value, Mapping):
            found.extend(secret_values(value))
        elif isinstance(value, str) and len(value) >= 4:
            if any(hint in key.lower() for hint in SECRET_KEY_HINTS):
                found.append(value)
    return found


def redact(text: str, secrets: Iterable[str]) -> str:
    for value in secrets:
        text = text.replace(value, "***")
    return text


class _StateCollector(threading.Thread):
    """Reads the target's stdout: keeps the last state line, passes anything else to stderr
    (a target's stdout is meant to carry only state; a stray print must not become a bookmark)."""

    def __init__(self, source: IO[bytes], stderr: IO[bytes]) -> None:
        super().__init__(name="load-guard-state", daemon=True)
        self.source = source
        self.stderr = stderr
        self.last_state: bytes | None = None

    def run(self) -> None:
        for line in self.source:
            stripped = line.strip()
            if not stripped:
                continue
            try:
                is_state = isinstance(json.loads(stripped), dict)
            except ValueError:
                is_state = False
            if is_state:
                self.last_state = stripped
            else:
                self.stderr.write(line)
                self.stderr.flush()


def _close_quietly(pipe: IO[bytes]) -> None:
    try:
        pipe.close()
    except (BrokenPipeError, ValueError):
        pass  # the target already went away, or the pipe is already closed


def _exit_code(returncode: int) -> int:
    """A child killed by signal N reports -N; a shell would say 128+N."""
    return 128 - returncode if returncode < 0 else returncode


def _newest_load_sequence(counter_factory: Callable[[], LandedCounter]) -> int:
    counter = counter_factory()
    try:
        newest = getattr(counter, "newest_load_sequence", None)
        return newest() if newest is not None else 0
    finally:
        close = getattr(counter, "close", None)
        if close is not None:
            close()  # DuckDB: release the file before the target opens it


def run_guard(
    command: Sequence[str],
    counter_factory: Callable[[], LandedCounter],
    secrets: Sequence[str] = (),
    stdin: IO[bytes] | None = None,
    stdout: IO[bytes] | None = None,
    stderr: IO[bytes] | None = None,
    load_id: str | None = None,
    home: Path | None = None,
) -> int:
    """Run ``command`` as the target; return the exit code the guard should exit with.

    The load gets the next id of the load sequence (unless ``load_id`` is given) and a private
    temp folder in ``home`` (default: ``private_dir.guard_home()``), removed when it ends."""
    stderr = stderr if stderr is not None else sys.stderr.buffer

    def say(text: str) -> None:
        stderr.write((redact(text, secrets) + "\n").encode())
        stderr.flush()

    home = private_folder(home or guard_home())
    if load_id is None:
        try:
            load_id = next_load_id(home, lambda: _newest_load_sequence(counter_factory))
        except Exception as error:  # noqa: BLE001 - a warehouse we cannot read cannot verify
            say(f"load-guard: cannot read the newest load id from the warehouse "
                f"({type(error).__name__}: {error}); nothing loaded, no bookmark forwarded")
            return EXIT_UNVERIFIABLE
    with load_temp_folder(home, load_id) as (temp_folder, cleared):
        if cleared:
            say(f"load-guard: removed the temporary files of {len(cleared)} earlier load(s) "
                "that did not end cleanly")
        return _run_load(command, counter_factory, say, stdin, stdout, stderr, load_id,
                         environment_with_temp(temp_folder))


def _run_load(
    command: Sequence[str],
    counter_factory: Callable[[], LandedCounter],
    say: Callable[[str], None],
    stdin: IO[bytes] | None,
    stdout: IO[bytes] | None,
    stderr: IO[bytes],
    load_id: str,
    target_env: dict[str, str],
) -> int:
    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout.buffer

    rewriter = SingerRewriter(load_id)
    # The id ties the raw rows (_load_id) to this run's log; the command's arguments are not
    # echoed (they name the config file, whose values stay private).
    say(f"load-guard: load {load_id} started; STATE is held back until the rows are counted")
    # stderr is inherited: the target's logs reach Meltano unchanged and unbuffered.
    try:
        # The target's temp files (batch CSVs of records) go to the load's private folder.
        child = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 env=target_env)
    except OSError as error:
        say(f"load-guard: cannot start the target {command[0]!r} ({type(error).__name__}); "
            "no bookmark forwarded")
        return EXIT_CANNOT_START
    collector = _StateCollector(child.stdout, stderr)
    collector.start()

    def forward(signum, _frame):
        try:
            child.send_signal(signum)
        except ProcessLookupError:
            pass
        # Stop pumping even if the tap is silent; the finally below lets the child wind down.
        raise _Interrupted(signum)

    # Signal handlers can only be installed from the main thread (the console scripts); when
    # embedded elsewhere the caller owns signals.
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED_SIGNALS} \
        if in_main_thread else {}
    interrupted: int | None = None
    try:
        try:
            for line in stdin:
                out = rewriter.rewrite(line)
                child.stdin.write(out)
                if b'"RECORD"' not in out:
                    # Records stay buffered for throughput; anything else (STATE above all) is
                    # pushed through at once so a quiet tap never leaves the target waiting.
                    child.stdin.flush()
        except BrokenPipeError:
            pass  # the target stopped reading; its exit code tells why
        except _Interrupted as stop:
            interrupted = stop.signum
        while True:
            try:
                _close_quietly(child.stdin)  # EOF: the target flushes and exits
                returncode = child.wait()
                break
            except _Interrupted as stop:  # a signal while waiting: forwarded, keep waiting
                interrupted = stop.signum
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    collector.join()
    _close_quietly(child.stdout)  # read to its end by the collector

    if interrupted is not None:
        say(f"load-guard: stopped by signal {interrupted}; no bookmark forwarded "
            "(the next run re-reads since the last verified run)")
        return _exit_code(returncode) or 128 + interrupted
    if returncode != 0:
        say(f"load-guard: target exited with code {returncode}; no bookmark forwarded")
        return _exit_code(returncode)

    total = sum(rewriter.sent.values())
    counter = None
    try:
        counter = counter_factory()
        shortfalls = find_shortfalls(rewriter.sent, rewriter.stream_has_tenant, counter, load_id)
    except Exception as error:  # noqa: BLE001 - any failure to verify must hold the bookmark
        say(f"load-guard: could not verify load {load_id} ({type(error).__name__}: {error}); "
            "bookmark not advanced, the next run re-reads the data")
        return EXIT_UNVERIFIABLE
    finally:
        close = getattr(counter, "close", None)
        if close is not None:
            close()
    if shortfalls:
        for shortfall in shortfalls:
            say(shortfall.message())
        return EXIT_SHORT

    if collector.last_state is not None:
        stdout.write(collector.last_state + b"\n")
        stdout.flush()
    outcome = "bookmark forwarded" if collector.last_state is not None else "target sent no state"
    say(f"load-guard: load {load_id}: all {total} records in {len(rewriter.sent)} "
        f"(stream, tenant) groups landed; {outcome}")
    return 0
