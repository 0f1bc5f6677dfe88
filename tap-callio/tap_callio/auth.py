"""Per-tenant authentication: login or static token, header ``token``.

Tokens are cached per tenant (never globally: each tenant is another company
account).  A login that fails is remembered for the run so that the other
streams of that tenant fail fast instead of hammering the login endpoint.
A refused login (wrong password, revoked token) is also written to the
``refused_logins_file`` when one is set: the job runner gives one file to every
tap run of a job, so a refusal is tried once per job, not once per tap variant
(repeated refusals can lock a real account).
Neither passwords nor tokens are ever put in a log line, an error message or
that file.
"""

from __future__ import annotations

import json
import logging
import threading
import typing as t
from pathlib import Path

import backoff
import requests
from requests.auth import AuthBase

from tap_callio.redaction import redact
from tap_callio.retry import RETRIABLE_STATUS, RetryPolicy, send_within

TOKEN_HEADER = "token"  # noqa: S105 - a header name, not a secret
LOGIN_PATH = "/auth/login"

logger = logging.getLogger("tap-callio.auth")


class LoginError(RuntimeError):
    """The tenant could not log in; the message names the tenant, never a secret."""


class _Refused(LoginError):
    """The API answered the login with a refusal (4xx): trying again cannot help."""


class RefusedLogins:
    """Tenants whose login the API refused earlier in this job (a JSON line each: tenant and the
    one-line reason, which names the e-mail but no secret)."""

    NOT_AGAIN = "refused earlier in this job run, not tried again (repeated refusals can lock the account)"

    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None

    def read(self) -> dict[str, str]:
        if self.path is None or not self.path.is_file():
            return {}
        found = {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                found[str(entry["tenant"])] = str(entry["reason"])
            except (ValueError, KeyError, TypeError):
                continue  # a line cut by a killed run
        return found

    def add(self, tenant: str, reason: str) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"tenant": tenant, "reason": reason}, ensure_ascii=False) + "\n")


class _LoginRetry(Exception):
    """A login attempt worth repeating; ``response`` (if any) may carry ``Retry-After``."""

    def __init__(self, reason: str, response: requests.Response | None = None) -> None:
        super().__init__(reason)
        self.response = response


class TenantTokens:
    """Obtains and caches the session token of each tenant."""

    def __init__(
        self,
        *,
        accounts: t.Sequence[t.Mapping[str, str]],
        api_url: str,
        timeout: float,
        policy: RetryPolicy,
        session: requests.Session | None = None,
        source: str = "the accounts",
        refused: RefusedLogins | None = None,
    ) -> None:
        self._accounts = {account["tenant"]: dict(account) for account in accounts}
        self._source = source  # where the accounts were configured, for the refusal's message
        self._refused = refused or RefusedLogins(None)
        self._api_url = api_url.rstrip("/")
        self._timeout = timeout
        self._policy = policy
        self._session = session or requests.Session()
        self._tokens: dict[str, str] = {}
        self._failed: dict[str, str] = {
            tenant: f"{reason}; {RefusedLogins.NOT_AGAIN}"
            for tenant, reason in self._refused.read().items()
            if tenant in self._accounts
        }
        # one lock per tenant: tenants are read side by side, and one tenant's login retries
        # must not hold the others
        self._locks = {tenant: threading.Lock() for tenant in self._accounts}
        self.logins: dict[str, int] = {}

    def secrets(self) -> list[str]:
        """Every secret value known (passwords, static and session tokens), for masking."""
        values = []
        for account in self._accounts.values():
            values += [account.get("password"), account.get("token")]
        values += list(self._tokens.values())
        return [v for v in values if v]

    def token(self, tenant: str) -> str:
        with self._locks[tenant]:
            if tenant in self._tokens:
                return self._tokens[tenant]
            return self._obtain(tenant)

    def refresh(self, tenant: str, rejected: str | None) -> str:
        """After a 401: log in again (static tokens cannot be renewed)."""
        with self._locks[tenant]:
            current = self._tokens.get(tenant)
            if current is not None and current != rejected:
                return current  # another stream already renewed it
            self._tokens.pop(tenant, None)
            account = self._accounts[tenant]
            if not account.get("password"):
                msg = f"tenant {tenant}: the API rejected the token configured in {self._source} (HTTP 401)"
                self._remember_refusal(tenant, msg)
                raise LoginError(msg)
            return self._obtain(tenant)

    def _remember_refusal(self, tenant: str, reason: str) -> None:
        self._failed[tenant] = reason
        self._refused.add(tenant, reason)

    def _obtain(self, tenant: str) -> str:
        if tenant in self._failed:
            raise LoginError(self._failed[tenant])
        account = self._accounts[tenant]
        if account.get("token") and not account.get("password"):
            self._tokens[tenant] = account["token"]
            return account["token"]
        try:
            token = self._login(tenant, account)
        except _Refused as exc:
            self._remember_refusal(tenant, str(exc))
            raise LoginError(str(exc)) from None
        except LoginError as exc:
            self._failed[tenant] = str(exc)
            raise
        self._tokens[tenant] = token
        return token

    def _login(self, tenant: str, account: t.Mapping[str, str]) -> str:
        """Log in, retried by the streams' policy (retry.py: back-off, Retry-After, ceiling),
        each attempt within the request deadline."""
        request = requests.Request(
            "POST",
            f"{self._api_url}{LOGIN_PATH}",
            json={"email": account.get("email"), "password": account.get("password")},
        ).prepare()

        def retrying(details: t.Any) -> None:
            logger.warning(
                "tenant %s: login retry %d in %.2fs after %s", tenant, details["tries"], details["wait"],
                details["exception"],
            )

        @backoff.on_exception(
            self._policy.wait_generator, _LoginRetry, max_tries=self._policy.max_tries, jitter=None,
            on_backoff=retrying, logger=None,
        )
        def attempt() -> str:
            self.logins[tenant] = self.logins.get(tenant, 0) + 1
            try:
                response = send_within(self._session, request, self._timeout)
            except requests.RequestException as exc:
                raise _LoginRetry(f"connection error ({type(exc).__name__})") from exc
            if response.status_code in RETRIABLE_STATUS:
                raise _LoginRetry(f"HTTP {response.status_code}", response)
            if response.status_code >= 400:
                msg = (
                    f"tenant {tenant}: login refused (HTTP {response.status_code}) for {account.get('email')}, "
                    f"configured in {self._source}"
                )
                raise _Refused(msg)
            try:
                token = response.json().get("token")
            except (ValueError, AttributeError):
                raise _LoginRetry("login answer is not JSON") from None
            if not token or not isinstance(token, str):
                msg = f"tenant {tenant}: login answer has no token"
                raise LoginError(msg)
            return token

        try:
            token = attempt()
        except _LoginRetry as exc:
            msg = f"tenant {tenant}: login failed after {self._policy.max_tries} attempts ({exc})"
            raise LoginError(msg) from None
        logger.info("Logged in tenant %s", tenant)
        return token


class TenantAuthenticator(AuthBase):
    """requests auth hook adding the tenant's ``token`` header."""

    def __init__(self, tokens: TenantTokens, tenant: str) -> None:
        self.tokens = tokens
        self.tenant = tenant

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[TOKEN_HEADER] = self.tokens.token(self.tenant)
        return request

    def reauthenticate(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        rejected = request.headers.get(TOKEN_HEADER)
        request.headers[TOKEN_HEADER] = self.tokens.refresh(self.tenant, rejected)
        return request


class SecretMaskingFilter(logging.Filter):
    """Replaces any known secret in a log line by ``***`` (defence in depth:
    no code path is meant to log one)."""

    def __init__(self, secrets: t.Callable[[], list[str]]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._secrets()
        if not secrets:
            return True
        message = record.getMessage()
        masked = redact(message, secrets)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
