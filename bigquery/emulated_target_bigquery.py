"""TEST-ONLY launcher: z3-target-bigquery 0.7.2 pointed at the local BigQuery emulator.

NEVER use this in production: it sends data to whatever BQ_EMULATOR_ENDPOINT names, with
anonymous credentials. Production runs the real `target-bigquery` executable (or
`guarded-target-bigquery`) unchanged.

z3-target-bigquery has no endpoint setting, so this script runs the target in-process after
replacing its module-level client factories (each sink module imported them by name, so every
module's reference is replaced, not only core's):

  bigquery_client_factory  -> google.cloud.bigquery.Client on BQ_EMULATOR_ENDPOINT
  storage_client_factory   -> BigQueryWriteClient on BQ_EMULATOR_GRPC (insecure gRPC channel)

Switch EMULATED_TARGET_NO_GZIP=1: batch_job uploads are sent as plain NDJSON instead of gzip.
The emulator rejects gzip load files; with the switch off the load job fails and the target
still exits 0 and emits STATE (upstream's silent data loss, which the load guard catches).

Switch EMULATED_TARGET_NO_CONSISTENCY_SLEEP=1: skip the fixed sleeps (5 s after each table
creation, 2.5 s after schema changes) that the target adds for BigQuery's eventual consistency;
the emulator is strongly consistent, and 25 s per five-stream load would dominate the tests.

Switch EMULATED_TARGET_STALE_LOOKUP=1: each dataset and table is "not found" the first time the
target looks it up, even when it exists: the view of a machine that looked a moment before
another machine created it (two first loads side by side). The target then creates what exists.

Like production (callio_load_guard.bigquery_target), creating a dataset or table that exists
takes it instead of failing.

Usage (same arguments as target-bigquery):
  BQ_EMULATOR_ENDPOINT=http://127.0.0.1:PORT EMULATED_TARGET_NO_GZIP=1 \
    bigquery/.venv-loader/bin/python bigquery/emulated_target_bigquery.py --config c.json < in
"""

from __future__ import annotations

import functools
import os
import sys
import time
from io import BytesIO

ENDPOINT_ENV = "BQ_EMULATOR_ENDPOINT"
GRPC_ENV = "BQ_EMULATOR_GRPC"
NO_GZIP_ENV = "EMULATED_TARGET_NO_GZIP"
NO_SLEEP_ENV = "EMULATED_TARGET_NO_CONSISTENCY_SLEEP"
STALE_LOOKUP_ENV = "EMULATED_TARGET_STALE_LOOKUP"


class _TimeWithoutSleep:
    """Stands in for the `time` module inside target_bigquery.core: everything but sleep."""

    def __getattr__(self, name: str):
        return getattr(time, name)

    @staticmethod
    def sleep(_seconds: float) -> None:
        pass


class PlainBuffer:
    """Drop-in for target_bigquery.core.Compressor that keeps the NDJSON uncompressed.

    Same methods the batch_job sink calls: write, close, getvalue, getbuffer."""

    def __init__(self) -> None:
        self._buffer = BytesIO()
        self._closed = False

    def write(self, data: bytes) -> None:
        if self._closed:
            raise ValueError("I/O operation on closed buffer.")
        self._buffer.write(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._closed = True

    def getvalue(self) -> bytes:
        self._closed = True
        return self._buffer.getvalue()

    def getbuffer(self) -> memoryview | bytes:
        self._closed = True
        return self._buffer.getbuffer()


def _switch_on(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def _emulator_endpoint() -> str:
    endpoint = os.environ.get(ENDPOINT_ENV, "").strip()
    if not endpoint.startswith(("http://127.0.0.1", "http://localhost")):
        # Refuse anything that is not a local emulator: anonymous writes to a real endpoint
        # would fail anyway, and a typo must not send test data elsewhere.
        sys.exit(f"{ENDPOINT_ENV} must be the local emulator's http://127.0.0.1:PORT URL, "
                 f"got {endpoint!r}")
    return endpoint


def patch_target_bigquery(endpoint: str, grpc_address: str, no_gzip: bool,
                          no_sleep: bool = False) -> None:
    """Point every client factory of target_bigquery at the emulator."""
    import target_bigquery.batch_job as batch_job
    import target_bigquery.core as core
    import target_bigquery.gcs_stage as gcs_stage
    import target_bigquery.storage_write as storage_write
    import target_bigquery.streaming_insert as streaming_insert
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    @functools.cache
    def bigquery_client_factory(creds: core.BigQueryCredentials) -> bigquery.Client:
        return bigquery.Client(
            project=creds.project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": endpoint},
        )

    @functools.cache
    def storage_client_factory(creds: core.BigQueryCredentials):
        import grpc
        from google.cloud.bigquery_storage_v1 import BigQueryWriteClient
        from google.cloud.bigquery_storage_v1.services.big_query_write.transports import (
            BigQueryWriteGrpcTransport,
        )

        transport = BigQueryWriteGrpcTransport(channel=grpc.insecure_channel(grpc_address))
        return BigQueryWriteClient(transport=transport)

    for module in (core, batch_job, gcs_stage, streaming_insert):
        module.bigquery_client_factory = bigquery_client_factory
    for module in (core, storage_write):
        module.storage_client_factory = storage_client_factory
    if no_gzip:
        batch_job.Compressor = PlainBuffer  # the sink looks the name up at each batch
    if no_sleep:
        core.time = _TimeWithoutSleep()


def look_up_stale() -> None:
    """The first lookup of each dataset and table answers "not found" (EMULATED_TARGET_STALE_LOOKUP)."""
    from google.api_core.exceptions import NotFound
    from google.cloud import bigquery

    looked: set[str] = set()
    for name in ("get_dataset", "get_table"):
        original = getattr(bigquery.Client, name)

        def stale(self, ref, *args, _original=original, _name=name, **kwargs):
            key = f"{_name}:{ref}"
            if key not in looked:
                looked.add(key)
                raise NotFound(f"{ref} (EMULATED_TARGET_STALE_LOOKUP: as seen before another machine created it)")
            return _original(self, ref, *args, **kwargs)

        setattr(bigquery.Client, name, stale)


def main() -> None:
    from callio_load_guard.bigquery_target import make_creation_idempotent

    endpoint = _emulator_endpoint()
    grpc_address = os.environ.get(GRPC_ENV, "").strip()
    patch_target_bigquery(endpoint, grpc_address, _switch_on(NO_GZIP_ENV),
                          _switch_on(NO_SLEEP_ENV))
    make_creation_idempotent()
    if _switch_on(STALE_LOOKUP_ENV):
        look_up_stale()
    from target_bigquery.target import TargetBigQuery

    TargetBigQuery.cli()


if __name__ == "__main__":
    main()
