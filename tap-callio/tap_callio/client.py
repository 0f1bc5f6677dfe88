"""Base REST stream shared by every Callio endpoint: URL, per-tenant auth and
partitions, retries with back-off, response validation, lenient parsing, and
tenant isolation (a failing tenant is logged and recorded, never raised)."""

from __future__ import annotations

import email.utils
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

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

ERROR_BODY_EXCERPT = 200


def now_ms() -> int:
    return int(time.time() * 1000)


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

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._tenant: str | None = None
        self._run: StreamRun | None = None
        self._server_now: int | None = None  # server clock at the first reply since the last bookmark

    # -- where and who ---------------------------------------------------------

    @property
    def url_base(self) -> str:
        return str(self.config.get("api_url") or "").rstrip("/")

    @property
    def partitions(self) -> list[dict] | None:
        return [{"tenant": tenant} for tenant in self._tap.tenants]

    @property
    def authenticator(self) -> TenantAuthenticator:
        return TenantAuthenticator(self._tap.tokens, self._tenant or "")

    @property
    def timeout(self) -> float:  # type: ignore[override]
        """Deadline of a whole request (connect, headers, body), not of each read: retry.py."""
        return float(self.config["request_timeout"])

    @property
    def page_size(self) -> int:
        return int(self.config.get("page_size", 500))

    # -- requests, retries, validation ----------------------------------------

    @override
    def backoff_max_tries(self) -> int:
        return RetryPolicy.from_config(self.config).max_tries

    @override
    def backoff_wait_generator(self) -> t.Generator[float, t.Any, None]:  # type: ignore[override]
        """The tap's one retry policy (retry.py), shared with the login."""
        return RetryPolicy.from_config(self.config).wait_generator()

    def backoff_jitter(self, value: float) -> float:
        return value  # jitter is applied by backoff_wait_generator

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
        self._write_request_duration_log(endpoint=self.path, response=response, context=context, extra_tags=None)
        if self._server_now is None:
            self._server_now = server_date_ms(response)
        return response

    def bookmark_bound(self, slice_end: int) -> int:
        """How far a bookmark may go once a slice ending at ``slice_end`` was read: not past the
        server's own now (minus the safety lag) when the slice began, since a server whose clock
        runs behind the host's still stamps records with times the host has passed. Resets the
        server clock reading for the next slice."""
        server_now, self._server_now = self._server_now, None
        if server_now is None:
            return slice_end
        return min(slice_end, server_now - int(self.config["safety_lag_ms"]))

    # -- records --------------------------------------------------------------

    def build_record(self, doc: t.Mapping) -> dict:
        status_key = str(self.config.get("status_custom_field_key", "tinh-trang-kh"))
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
        """Set a poison record aside on the quarantine stream, now (before the STATE that moves
        the bookmark past it); without that stream selected, log it only."""
        entry = quarantine.row(
            run_id=self._tap.run_log.run_id,
            tenant=self._tenant or "",
            stream=self.name,
            record_id=doc_id,
            reason=reason,
            raw=quarantine.raw_text(doc),
        )
        stream = self._tap.streams.get(quarantine.STREAM_NAME)
        written = stream is not None and stream.put(entry)
        if self._run is not None:
            self._run.records_quarantined += 1
        self.logger.warning(
            "tenant %s stream %s: quarantined record %s (%s; %d characters, sha256 %s)%s",
            self._tenant,
            self.name,
            doc_id or "without id",
            reason,
            entry["raw_length"],
            entry["raw_sha256"][:12],
            "" if written else " - the quarantine stream is not selected: logged only",
        )

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

    # -- per-tenant run with isolation ----------------------------------------

    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        tenant = (context or {}).get("tenant")
        if tenant is None:
            return
        self._tenant = tenant
        run = self._tap.run_log.start(tenant, self.name)
        self._run = run
        try:
            yield from self.read_tenant(context, run)
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

    def read_tenant(self, context: Context | None, run: StreamRun) -> t.Iterator[dict]:
        raise NotImplementedError


def describe(exc: BaseException) -> str:
    """A one-line reason for a failure, without URLs' query strings or secrets."""
    if isinstance(exc, RetriableAPIError):
        return f"gave up after retries: {exc}"
    if isinstance(exc, requests.RequestException):
        return f"gave up after retries: {type(exc).__name__}"
    return f"{type(exc).__name__}: {exc}"
