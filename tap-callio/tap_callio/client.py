"""Base REST stream shared by every Callio endpoint: URL, per-tenant auth and
partitions, retries with back-off, response validation, lenient parsing,
tenants read side by side (tenant_pool.py), and tenant isolation (a failing
tenant is logged and recorded, never raised)."""

from __future__ import annotations

import random
import threading
import time
import typing as t

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams import RESTStream
from typing_extensions import override

from tap_callio import envelope
from tap_callio.auth import LoginError, TenantAuthenticator
from tap_callio.records import UnusableRecord, record_id
from tap_callio.run_log import STATUS_ERROR, STATUS_ERROR_LOGIN, StreamRun
from tap_callio.settings import setting
from tap_callio.tenant_pool import TenantPool

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

RETRIABLE_STATUS = {429, 500, 502, 503, 504}
ERROR_BODY_EXCERPT = 200


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (seconds form only)."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def now_ms() -> int:
    return int(time.time() * 1000)


class TenantReading(threading.local):
    """What one tenant's reader is doing, private to its worker thread (several
    tenants of one stream are read at once by the same stream object)."""

    tenant: str | None = None
    run: StreamRun | None = None


class Marker:
    """Base of the non-record items a tenant reader yields, handled in the main
    thread in order with the records (see ``on_marker``)."""


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
        return int(setting(self.config, "max_retries")) + 1

    @override
    def backoff_wait_generator(self) -> t.Generator[float, t.Any, None]:  # type: ignore[override]
        """Exponential back-off with jitter; a ``Retry-After`` header wins."""
        base = float(setting(self.config, "retry_base_delay_s"))
        ceiling = float(setting(self.config, "retry_max_delay_s"))
        exc = yield  # type: ignore[misc]
        attempt = 0
        while True:
            asked = retry_after_seconds(exc)
            if asked is not None:
                delay = min(asked, ceiling)
            else:
                delay = min(ceiling, base * (2**attempt)) * random.uniform(0.5, 1.0)  # noqa: S311
            attempt += 1
            exc = yield delay

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
        excerpt = response.text[:ERROR_BODY_EXCERPT].replace("\n", " ") if response.content else ""
        return f"HTTP {response.status_code} for {self.path}: {excerpt}".rstrip(": ")

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status in RETRIABLE_STATUS or status >= 500:
            raise RetriableAPIError(self.response_error_message(response), response)
        if status >= 400:
            raise FatalAPIError(self.response_error_message(response))
        try:
            envelope.body(response)
        except envelope.MalformedBody as exc:
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
        response = self.requests_session.send(request, timeout=self.timeout, allow_redirects=self.allow_redirects)
        # private SDK member, checked by tests/test_sdk_private_members.py
        self._write_request_duration_log(endpoint=self.path, response=response, context=context, extra_tags=None)
        return response

    # -- records --------------------------------------------------------------

    def build_record(self, doc: t.Mapping) -> dict:
        status_key = str(setting(self.config, "status_custom_field_key"))
        return type(self).record_builder(doc, self._tenant or "", status_key)

    @override
    def parse_response(self, response: requests.Response) -> t.Iterator[dict]:
        for position, doc in enumerate(envelope.docs(response)):
            if not isinstance(doc, dict):
                self._drop(position, None, "not an object")
                continue
            try:
                record = self.build_record(doc)
            except UnusableRecord as exc:
                self._drop(position, record_id(doc), str(exc))
                continue
            if self.accept(record):
                yield record

    def accept(self, record: dict) -> bool:
        """Whether a parsed record belongs to what is being read (overridden)."""
        return True

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
        """Handle a reader's marker in the main thread, after every record before it was written."""

    # -- per-tenant run with isolation (in the tenant's worker thread) ----------

    def _read_isolated(self, context: Context, run: StreamRun, start: t.Any) -> t.Iterator[t.Any]:
        tenant = context["tenant"]
        self._reading.tenant = tenant
        self._reading.run = run
        try:
            yield from self.read_tenant(context, run, start)
        except LoginError as exc:
            run.fail(STATUS_ERROR_LOGIN, str(exc))
            self.logger.error("tenant %s stream %s failed: %s", tenant, self.name, exc)
        except Exception as exc:  # noqa: BLE001 - isolate every failure to its tenant
            reason = f"tenant {tenant} stream {self.name}: {describe(exc)}"
            run.fail(STATUS_ERROR, reason)
            self.logger.error("%s", reason)
        finally:
            run.finish()
            self.logger.info(
                "tenant %s stream %s: %s, %d records, %d dropped, %d requests",
                tenant,
                self.name,
                run.status,
                run.records_read,
                run.records_dropped,
                run.requests,
            )

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
