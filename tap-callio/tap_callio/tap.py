"""Callio tap class."""

from __future__ import annotations

import copy
import functools
import gc
import logging
import sys
import typing as t

from singer_sdk import Tap
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.helpers.capabilities import (
    EMIT_ACTIVATE_VERSION_CONFIG,
    PluginCapabilities,
    TapCapabilities,
)
from singer_sdk.singerlib import SingerMessageType
from typing_extensions import override

from tap_callio import logs, streams
from tap_callio.auth import RefusedLogins, SecretMaskingFilter, TenantTokens
from tap_callio.quarantine import QuarantineStream
from tap_callio.retry import RetryPolicy
from tap_callio.run_log import RunLog
from tap_callio.settings import (
    CONFIG_SCHEMA,
    ConfigProblem,
    accounts_source,
    config_problem,
    load_accounts,
    setting,
)
from tap_callio.tenant_pool import TenantSessions

if t.TYPE_CHECKING:
    from singer_sdk import Stream
    from singer_sdk.singerlib import Message

STREAM_TYPES = (
    QuarantineStream,  # first: announces its schema; the others write its rows as they read
    streams.CustomersStream,
    streams.CallsStream,
    streams.StaffStream,
    streams.GroupsStream,
    streams.SyncLogStream,  # last: it reports on the others
)


# RECORD messages PageWriter keeps at most before writing them out (a page is usually ~250 kB).
PENDING_BYTES = 1 << 20


class PageWriter(MsgSpecWriter):
    """msgspec, written out once per page of records instead of once per record: RECORD messages
    wait in the writer until the stream has handed over its page (:meth:`flush`, called by
    CallioStream.get_records), until any other message (written right after them, then flushed,
    by the SDK's writer), or until the run ends (TapCallio.sync_all, a stop by signal).  Every
    record thus still reaches the target before the STATE that covers it.  A write and a flush per
    record cost two system calls per record (stdout is unbuffered under PYTHONUNBUFFERED) and let
    the reader thread take the GIL at every record: a context switch per record, bench/README.md."""

    def __init__(self) -> None:
        super().__init__()
        self._pending = bytearray()

    @override
    def write_message(self, message: Message) -> None:
        if message.type == SingerMessageType.RECORD:
            self._pending += self.format_message(message)
            if len(self._pending) >= PENDING_BYTES:  # a page of long texts: write as it grows
                self._write_pending()
        else:
            self._write_pending()
            super().write_message(message)  # writes and flushes

    def flush(self) -> None:
        """Write out the records waiting, then flush stdout."""
        self._write_pending()
        sys.stdout.flush()

    def _write_pending(self) -> None:
        if self._pending:
            sys.stdout.buffer.write(self._pending)
            self._pending.clear()


class TapCallio(Tap):
    """Singer tap for the Callio call-centre API (customers, calls, staff, groups)."""

    name = "tap-callio"
    # a copy: the SDK adds its own settings to this dict in place
    config_jsonschema = copy.deepcopy(CONFIG_SCHEMA)
    # msgspec serialises Singer messages in a fraction of simplejson's time (13 % of the tap's
    # CPU in the profile, bench/README.md); the output is the same JSON.
    message_writer_class = PageWriter
    # What `--about` advertises is what works and is tested with third-party targets
    # (tests/singer/). Not `batch`: the bookmark is saved when a slice is complete, and with
    # BATCH messages that STATE would reach the target before the file holding the slice's
    # records, so a crash in between would lose them.
    capabilities: t.ClassVar[list] = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        TapCapabilities.ACTIVATE_VERSION,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    def flush_records(self) -> None:
        """Write out the RECORD messages waiting in the writer's buffer (PageWriter)."""
        flush = getattr(self.message_writer, "flush", None)
        if flush is not None:
            flush()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self.run_log = RunLog()
        self._masking = SecretMaskingFilter(self._known_secrets)
        super().__init__(*args, **kwargs)
        self._mask_secrets_in_logs()
        logs.set_metrics_level(str(setting(self.config, "metrics_log_level")))

    @override
    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        super().append_builtin_config(config_jsonschema)
        # The SDK defines emit_activate_version_messages and its streams read it, but 0.54 does
        # not add it to a tap's settings: add it, so that it is listed and not refused as unknown.
        if TapCapabilities.ACTIVATE_VERSION in cls.capabilities:
            for name, spec in EMIT_ACTIVATE_VERSION_CONFIG["properties"].items():
                config_jsonschema["properties"].setdefault(name, spec)

    @override  # private SDK member, checked by tests/test_sdk_private_members.py
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        # Checked before the SDK's own validation, whose messages echo values
        # (a password among them), and before any request: one line, no trace.
        if raise_errors:
            # The SDK's own settings (stream_maps, flattening, ...) are known too.
            schema = copy.deepcopy(self.config_jsonschema)
            self.append_builtin_config(schema)
            if problem := config_problem(self._config, schema):
                fail_config(problem)
        return super()._validate_config(raise_errors=raise_errors)

    @functools.cached_property
    def accounts(self) -> list[dict]:
        return load_accounts(self.config)

    @property
    def tenants(self) -> list[str]:
        return [account["tenant"] for account in self.accounts]

    @functools.cached_property
    def tokens(self) -> TenantTokens:
        return TenantTokens(
            accounts=self.accounts,
            api_url=str(setting(self.config, "api_url")),
            timeout=float(setting(self.config, "request_timeout")),
            policy=RetryPolicy.from_config(self.config),
            source=accounts_source(self.config),
            refused=RefusedLogins(self.config.get("refused_logins_file")),
        )

    @functools.cached_property
    def sessions(self) -> TenantSessions:
        return TenantSessions()

    @override
    def discover_streams(self) -> list[Stream]:
        found = [stream_type(tap=self) for stream_type in STREAM_TYPES]
        logs.quiet_dry_run_stops(stream.logger for stream in found)
        return found

    @override
    def load_streams(self) -> list[Stream]:
        order = {stream_type.name: position for position, stream_type in enumerate(STREAM_TYPES)}
        return sorted(super().load_streams(), key=lambda stream: order.get(stream.name, -1))

    def _known_secrets(self) -> list[str]:
        try:
            return self.tokens.secrets()
        except ConfigProblem:  # e.g. --discover without accounts
            return []

    def _mask_secrets_in_logs(self) -> None:
        """Put the masking filter on every log handler (root and named loggers),
        so no SDK or library log line can print a password or token."""
        loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
        for logger in loggers:
            for handler in getattr(logger, "handlers", []):
                if self._masking not in handler.filters:
                    handler.addFilter(self._masking)

    @override  # private SDK member, checked by tests/test_sdk_private_members.py
    def _handle_termination(self, signum: int, frame: t.Any) -> None:
        # The SDK writes the state and exits 0; a scheduler must see that the
        # run did not finish. The state holds completed slices only.
        try:
            self.flush_records()  # records read so far go out as they would have (none is covered)
            self.state_writer.write_state(self.state)
        finally:
            self.logger.warning("tap-callio stopped by signal %d; resume from the STATE written", signum)
            raise SystemExit(128 + signum)

    @override
    def sync_all(self) -> None:
        self._mask_secrets_in_logs()
        # What is loaded by now (the SDK, schemas, catalog, config) lives as long as the run: out
        # of the garbage collector's sight, so the collections that the pages' many objects
        # trigger do not walk it again and again (about 5 % of the tap's CPU, bench/README.md).
        gc.freeze()
        try:
            super().sync_all()
        finally:
            self.flush_records()  # any record after the last STATE (a failed stream, a dry run)
        for line in self.run_log.summary_lines():
            self.logger.info("%s", line)
        if failed := self.run_log.failed:
            names = ", ".join(sorted({f"{e.tenant}/{e.stream}" for e in failed}))
            self.logger.error("tap-callio finished with failures: %s", names)
            raise SystemExit(1)


def fail_config(problem: str) -> t.NoReturn:
    sys.stderr.write(f"tap-callio: configuration error: {problem}\n")
    raise SystemExit(2)


def main() -> None:
    """Console entry point: the SDK's CLI, with unreadable JSON inputs reported
    as one line instead of a stack trace."""
    try:
        TapCallio.cli()
    except ValueError as exc:  # json / simplejson JSONDecodeError
        if not hasattr(exc, "pos"):
            raise
        # the decoder's message names the position only, never the content
        fail_config(f"a JSON input (config, state, catalog or TAP_CALLIO_* variable) is not valid JSON: {exc}")


if __name__ == "__main__":
    main()
