"""Base REST stream shared by every Callio endpoint: URL, per-tenant auth and
partitions, retries with back-off, response validation, lenient parsing,
tenants read side by side (tenant_pool.py), and tenant isolation (a failing
tenant is logged and recorded, never raised)."""

from __future__ import annotations

import dataclasses
import email.utils
import threading
import time
import typing as t

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams import RESTStream
from typing_extensions import override

from tap_callio import envelope, quarantine
from tap_callio.auth import LoginError, TenantAuthenticator
from tap_callio.records import UnusableRecord, record_id
from tap_callio.redaction import redact
from tap_callio.retry import RETRIABLE_STATUS, RetryPolicy, send_within
from tap_callio.run_log import STATUS_ERROR, STATUS_ERROR_LOGIN, StreamRun
from tap_callio.settings import setting
from tap_callio.tenant_pool import TenantPool

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

ERROR_BODY_EXCERPT = 200


def now_ms() -> int:
    return int(time.time() * 1000)


class TenantReading(threading.local):
    """What one tenant's reader is doing, private to its worker thread (several
    tenants of one stream are read at once by the same stream object)."""

    tenant: str | None = None
    run: StreamRun | None = None
    # the server's clock at its first reply since the last slice ended (bookmark_bound)
    server_now: int | None = None
    # quarantine rows found while parsing, handed to the main thread as Quarantined markers
    quarantined: list[dict] | None = None


class Marker:
    """Base of the non-record items a tenant reader yields, handled in the main
    thread in order with the records (see ``on_marker``)."""


@dataclasses.dataclass(frozen=True)
class Quarantined(Marker):
    """A poison record set aside by the reader; the main thread writes its quarantine row
    before any later record or bookmark of the tenant."""

    entry: dict


def server_date_ms(response: requests.Response) -> int | None:
    """The server's clock from its ``Date`` header (whole seconds, rounded down), or None."""
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return int(moment.timestamp() * 1000) if moment.tzinfo is not None else None


class CallioStream(RESTStream):
    """Callio listing endpoint, one partition (and one bookmark) per tenant."""

    primary_keys: t.ClassVar[list[str]] = ["tenant", "_id"]
    # records.py builds every record with exactly the schema's fields and JSON types, so the
    # SDK's recursive conformance pass only re-checked them: 37 % of the tap's CPU in the profile
    # (bench/README.md). tests/test_parsing_and_records.py validates records against the schemas.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    record_builder: t.ClassVar[t.Callable[[t.Mapping, str, str], dict]]

    reading_type: t.ClassVar[type[TenantReading]] = TenantReading

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._reading = self.reading_type()
        self._pool: TenantPool | None = None
        self._pool_contexts: dict[str, Context] = {}
        self._pool_runs: dict[str, StreamRun] = {}
        super().__init__(*args, **kwargs)

    @property
    def _tenant(self) -> str | None:
        return self._reading.tenant

    @property
    def _run(self) -> StreamRun | None:
        return self._reading.run

    # -- where and who ---------------------------------------------------------

    @property
    @override
    def url_base(self) -> str:
        return str(setting(self.config, "api_url") or "").rstrip("/")

    @property
    @override
    def partitions(self) -> list[dict] | None:
        return [{"tenant": tenant} for tenant in self._tap.tenants]

    @property
    @override
    def authenticator(self) -> TenantAuthenticator:
        return TenantAuthenticator(self._tap.tokens, self._tenant or "")

    @property
    @override
    def timeout(self) -> float:  # type: ignore[override]
        """Deadline of a whole request (connect, headers, body), not of each read: retry.py."""
        return float(setting(self.config, "request_timeout"))

    @property
    def page_size(self) -> int:
        return int(setting(self.config, "page_size"))

    @property
    def tenant_concurrency(self) -> int:
        return max(1, int(setting(self.config, "tenant_concurrency") or 1))

    @property
    @override
    def requests_session(self) -> requests.Session:
        # One HTTP session per tenant, shared by its streams (keep-alive) and used by one
        # thread at a time: the SDK's single session is not safe across threads (its
        # build_prepared_request sets ``session.auth``, which is the tenant's token).
        return self._tap.sessions.get(self._tenant or "")

    # -- requests, retries, validation ----------------------------------------

    @override
    def backoff_max_tries(self) -> int:
        return RetryPolicy.from_config(self.config).max_tries

    @override
    def backoff_wait_generator(self) -> t.Generator[float, t.Any, None]:  # type: ignore[override]
        """The tap's one retry policy (retry.py), shared with the login."""
        return RetryPolicy.from_config(self.config).wait_generator()

    @override
    def backoff_jitter(self, value: float) -> float:
        return value  # jitter is applied by backoff_wait_generator

    @override
    def backoff_handler(self, details: t.Any) -> None:
        exc = details.get("exception")
        reason = str(exc) if isinstance(exc, RetriableAPIError) else type(exc).__name__
        self.logger.warning(
            "tenant %s stream %s: retry %d in %.2fs after %s",
            self._tenant,
            self.name,
            details.get("tries"),
            details.get("wait") or 0.0,
            reason,
        )

    @override
    def response_error_message(self, response: requests.Response) -> str:
        # the body may echo a token or password: masked here, before it is logged or stored
        excerpt = response.text[:ERROR_BODY_EXCERPT].replace("\n", " ") if response.content else ""
        return self.redact(f"HTTP {response.status_code} for {self.path}: {excerpt}".rstrip(": "))

    def redact(self, text: str) -> str:
        """``text`` without any known password or token (redaction.py)."""
        return redact(text, self._tap.tokens.secrets())

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status in RETRIABLE_STATUS or status >= 500:
            raise RetriableAPIError(self.response_error_message(response), response)
        if status >= 400:
            raise FatalAPIError(self.response_error_message(response))
        try:
            envelope.check_page(response)
        except envelope.MalformedBody as exc:
            # never an empty page: retried, then the tenant fails with its bookmark unmoved
            raise RetriableAPIError(f"{self.path}: {exc}", response) from exc

    @override  # private SDK member, checked by tests/test_sdk_private_members.py
    def _request(self, prepared_request: requests.PreparedRequest, context: Context | None) -> requests.Response:
        auth = self.authenticator
        request = auth(prepared_request)
        response = self._send(request, context)
        if response.status_code == 401:
            # Tokens can be invalidated at any time (another login to the same
            # account): log in again once and retry the request once.
            self.logger.warning("tenant %s stream %s: token rejected (401), logging in again", self._tenant, self.name)
            request = auth.reauthenticate(request)
            response = self._send(request, context)
            if response.status_code == 401:
                msg = f"tenant {self._tenant}: request to {self.path} still rejected (401) after a new login"
                raise LoginError(msg)
        self.validate_response(response)
        return response

    def _send(self, request: requests.PreparedRequest, context: Context | None) -> requests.Response:
        if self._run is not None:
            self._run.requests += 1
        response = send_within(self.requests_session, request, self.timeout, allow_redirects=self.allow_redirects)
        # private SDK member, checked by tests/test_sdk_private_members.py
        self._write_request_duration_log(endpoint=self.path, response=response, context=context, extra_tags=None)
        if self._reading.server_now is None:
            self._reading.server_now = server_date_ms(response)
        return response

    def bookmark_bound(self, slice_end: int) -> int:
        """How far a bookmark may go once a slice ending at ``slice_end`` was read: not past the
        server's own now (minus the safety lag) when the slice began, since a server whose clock
        runs behind the host's still stamps records with times the host has passed. Resets the
        server clock reading for the next slice. Worker thread: the clock read is the tenant's own."""
        reading = self._reading
        server_now, reading.server_now = reading.server_now, None
        if server_now is None:
            return slice_end
        return min(slice_end, server_now - int(setting(self.config, "safety_lag_ms")))

    # -- records --------------------------------------------------------------

    @override
    def parse_response(self, response: requests.Response) -> t.Iterator[dict]:
        # looked up once per page: the builder, the tenant (this thread's) and the status key
        build = type(self).record_builder
        tenant = self._tenant or ""
        status_key = str(setting(self.config, "status_custom_field_key"))
        for position, doc in enumerate(envelope.docs(response)):
            if not isinstance(doc, dict):
                self._drop(position, None, "not an object")
                continue
            try:
                record = build(doc, tenant, status_key)
            except UnusableRecord as exc:
                if isinstance(doc, quarantine.QuarantinedDoc):
                    self._quarantine(doc, record_id(doc), doc.reason)
                else:
                    self._drop(position, record_id(doc), str(exc))
                continue
            if not self.accept(record):
                continue
            reason = doc.reason if isinstance(doc, quarantine.QuarantinedDoc) else quarantine.problem(record)
            if reason is not None:
                self._quarantine(doc, record["_id"], reason)
                continue
            yield record

    def _quarantine(self, doc: t.Mapping, doc_id: str | None, reason: str) -> None:
        """Set a poison record aside (worker thread): its row waits on the thread's reading until
        the read loop hands it to the main thread as a ``Quarantined`` marker, which comes before
        the STATE that moves the bookmark past the record."""
        entry = quarantine.row(
            run_id=self._tap.run_log.run_id,
            tenant=self._tenant or "",
            stream=self.name,
            record_id=doc_id,
            reason=reason,
            raw=quarantine.raw_text(doc),
        )
        reading = self._reading
        if reading.quarantined is None:
            reading.quarantined = []
        reading.quarantined.append(entry)
        if self._run is not None:
            self._run.records_quarantined += 1
        stream = self._tap.streams.get(quarantine.STREAM_NAME)
        self.logger.warning(
            "tenant %s stream %s: quarantined record %s (%s; %d characters, sha256 %s)%s",
            self._tenant,
            self.name,
            doc_id or "without id",
            reason,
            entry["raw_length"],
            entry["raw_sha256"][:12],
            "" if stream is not None and stream.selected else " - the quarantine stream is not selected: logged only",
        )

    def take_quarantined(self) -> t.Iterator[Quarantined]:
        """The quarantine rows parsed so far in this thread, as markers (read loops yield them)."""
        reading = self._reading
        pending, reading.quarantined = reading.quarantined or [], None
        for entry in pending:
            yield Quarantined(entry)

    def accept(self, record: dict) -> bool:
        """Whether a parsed record belongs to what is being read (overridden)."""
        return True

    @override
    def generate_child_contexts(self, record: dict, context: Context | None) -> t.Iterable[Context | None]:
        # No Callio stream has child streams: without this, the SDK would copy a context, run the
        # stream map's filter and look for children to sync for every record.
        if self.child_streams:
            yield from super().generate_child_contexts(record, context)

    def _drop(self, position: int, doc_id: str | None, reason: str) -> None:
        if self._run is not None:
            self._run.records_dropped += 1
        self.logger.warning(
            "tenant %s stream %s: dropped record %s (%s)",
            self._tenant,
            self.name,
            doc_id or f"at position {position} of the page",
            reason,
        )

    # -- tenants side by side --------------------------------------------------

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        """The SDK syncs partitions one after the other and finalizes each one's
        state when its get_records ends.  The first call starts every tenant's
        reader (tenant_pool.py); each call then writes whatever any tenant has
        read, in arrival order, and returns once *its* tenant is finished, so the
        SDK's per-partition finalisation still comes after that tenant's last
        record and bookmark.  Records of other tenants carry their own ``tenant``
        field, so the SDK's partition bookkeeping does not alter them."""
        tenant = (context or {}).get("tenant")
        if tenant is None:
            return
        pool = self._pool
        if pool is None or tenant not in pool.tenants:
            pool = self._pool = self._start_pool(context)
        contexts, runs = self._pool_contexts, self._pool_runs
        completed = False
        try:
            for who, batch in pool.drain_until(tenant):
                for item in batch:
                    if isinstance(item, Marker):
                        self.on_marker(contexts.get(who, {"tenant": who}), runs[who], item)
                    else:
                        yield item
                # the SDK has written the batch (a page): out it goes, before waiting for more
                self._tap.flush_records()
            completed = True
        finally:
            pool.handed_over.add(tenant)
            if not completed or pool.handed_over.issuperset(pool.tenants):
                pool.close()
                self._pool = None

    def _start_pool(self, context: Context) -> TenantPool:
        partitions = [p for p in self.partitions or [] if p.get("tenant") is not None]
        if context not in partitions:
            partitions = [context]
        # state and run log are read and written in the main thread only
        starts = {p["tenant"]: self.tenant_start(p) for p in partitions}
        runs = {p["tenant"]: self._tap.run_log.start(p["tenant"], self.name) for p in partitions}
        contexts = {p["tenant"]: p for p in partitions}
        self._pool_contexts, self._pool_runs = contexts, runs

        def read(tenant: str) -> t.Iterator[t.Any]:
            return self._read_isolated(contexts[tenant], runs[tenant], starts[tenant])

        pool = TenantPool(
            list(contexts),
            read,
            concurrency=self.tenant_concurrency,
            batch_size=self.page_size,
            is_marker=lambda item: isinstance(item, Marker),
        )
        pool.start()
        return pool

    def tenant_start(self, context: Context) -> t.Any:
        """What a tenant's reader needs from the state (main thread; overridden)."""
        return None

    def on_marker(self, context: Context, run: StreamRun, marker: Marker) -> None:
        """Handle a reader's marker in the main thread, after every record before it was written
        (subclasses handle their own markers, then call this)."""
        if isinstance(marker, Quarantined):
            stream = self._tap.streams.get(quarantine.STREAM_NAME)
            if stream is not None:
                stream.put(marker.entry)

    # -- per-tenant run with isolation (in the tenant's worker thread) ----------

    def _read_isolated(self, context: Context, run: StreamRun, start: t.Any) -> t.Iterator[t.Any]:
        tenant = context["tenant"]
        reading = self._reading
        reading.tenant, reading.run = tenant, run
        reading.server_now, reading.quarantined = None, None  # a pool thread may have read another tenant
        try:
            yield from self.read_tenant(context, run, start)
        except LoginError as exc:
            run.fail(STATUS_ERROR_LOGIN, self.redact(str(exc)))
            self.logger.error("tenant %s stream %s failed: %s", tenant, self.name, run.error)
        except Exception as exc:  # noqa: BLE001 - isolate every failure to its tenant
            reason = self.redact(f"tenant {tenant} stream {self.name}: {describe(exc)}")
            run.fail(STATUS_ERROR, reason)
            self.logger.error("%s", reason)
        finally:
            run.finish()
            self.logger.info(
                "tenant %s stream %s: %s, %d records, %d dropped, %d quarantined, %d requests",
                tenant,
                self.name,
                run.status,
                run.records_read,
                run.records_dropped,
                run.records_quarantined,
                run.requests,
            )
        # poison records seen before a failure were set aside all the same (no bookmark follows)
        yield from self.take_quarantined()

    def read_tenant(self, context: Context, run: StreamRun, start: t.Any) -> t.Iterator[t.Any]:
        """Records (and markers) of one tenant, in its worker thread."""
        raise NotImplementedError


def describe(exc: BaseException) -> str:
    """A one-line reason for a failure, without URLs' query strings or secrets."""
    if isinstance(exc, RetriableAPIError):
        return f"gave up after retries: {exc}"
    if isinstance(exc, requests.RequestException):
        return f"gave up after retries: {type(exc).__name__}"
    return f"{type(exc).__name__}: {exc}"
