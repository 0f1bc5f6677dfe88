"""What the tap writes to stderr by default, and the switches for more.

Default: one line per tenant and stream (start, result) plus the end-of-run summary; a run of
three tenants stays well under 150 lines. More on request:

- ``metrics_log_level: INFO`` (setting, ``TAP_CALLIO_METRICS_LOG_LEVEL``): the SDK's Singer
  ``METRIC`` lines (one timer and one counter per request, record counts, sync durations). The
  SDK documents this setting as one a tap may add; its default here is ``WARNING`` (off).
- ``TAP_CALLIO_LOGLEVEL=DEBUG`` (the SDK's own variable): the per-slice progress lines too.
- ``SINGER_SDK_LOG_CONFIG=logging.yaml`` (the SDK's own variable): any Python logging
  configuration, e.g. metrics to a file of their own.
"""

from __future__ import annotations

import logging
import sys
import typing as t

from singer_sdk.exceptions import MaxRecordsLimitException
from singer_sdk.metrics import get_metrics_logger

DEFAULT_METRICS_LOG_LEVEL = "WARNING"
METRICS_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

# The line Stream.sync() logs at ERROR for any exception leaving a stream's sync, the planned
# stop of `--test` (the SDK's dry run) included. tests/test_sdk_private_members.py fails if
# the SDK rewords it, so that `--test` cannot silently go back to logging ERROR lines.
SDK_SYNC_ERROR_MESSAGE = "An unhandled error occurred while syncing '%s'"


def set_metrics_level(level: str) -> None:
    """Apply ``metrics_log_level``. The SDK sets the metrics logger to the plugin's log level
    when the tap is built; this runs after that, so the setting wins."""
    get_metrics_logger().setLevel(level.upper())


class DryRunStopIsNotAnError(logging.Filter):
    """``tap-callio --test`` reads one record per stream, then the SDK stops the stream by
    raising MaxRecordsLimitException, and Stream.sync() logs that planned stop as
    "An unhandled error occurred" at ERROR. This filter turns exactly that line, and only
    while such a stop is being handled, into one INFO line saying what happened. Any other
    error keeps its ERROR line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and record.msg == SDK_SYNC_ERROR_MESSAGE and _stopping_a_dry_run():
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            record.msg = "stream '%s': connection test done (the SDK stops each stream after its first record)"
        return True


def _stopping_a_dry_run() -> bool:
    exc: BaseException | None = sys.exc_info()[1]
    while exc is not None:
        if isinstance(exc, MaxRecordsLimitException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def quiet_dry_run_stops(loggers: t.Iterable[logging.Logger]) -> None:
    for logger in loggers:
        if not any(isinstance(f, DryRunStopIsNotAnError) for f in logger.filters):
            logger.addFilter(DryRunStopIsNotAnError())
