"""Per-tenant authentication: login or static token, header ``token``.

Tokens are cached per tenant (never globally: each tenant is another company
account).  A login that fails is remembered for the run so that the other
streams of that tenant fail fast instead of hammering the login endpoint.
Neither passwords nor tokens are ever put in a log line or an error message.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import typing as t

import requests
from requests.auth import AuthBase

TOKEN_HEADER = "token"  # noqa: S105 - a header name, not a secret
LOGIN_PATH = "/auth/login"
_RETRIABLE_LOGIN_STATUS = {429, 500, 502, 503, 504}

logger = logging.getLogger("tap-callio.auth")


class LoginError(RuntimeError):
    """The tenant could not log in; the message names the tenant, never a secret."""


class TenantTokens:
    """Obtains and caches the session token of each tenant."""

    def __init__(
        self,
        *,
        accounts: t.Sequence[t.Mapping[str, str]],
        api_url: str,
        timeout: float,
        max_retries: int,
        base_delay_s: float,
        session: requests.Session | None = None,
    ) -> None:
        self._accounts = {account["tenant"]: dict(account) for account in accounts}
        self._api_url = api_url.rstrip("/")
        self._timeout = timeout
        self._max_retries = max_retries
        self._base_delay_s = base_delay_s
        self._session = session or requests.Session()
        self._tokens: dict[str, str] = {}
        self._failed: dict[str, str] = {}
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
                msg = f"tenant {tenant}: the API rejected the configured token (401)"
                raise LoginError(msg)
            return self._obtain(tenant)

    def _obtain(self, tenant: str) -> str:
        if tenant in self._failed:
            raise LoginError(self._failed[tenant])
        account = self._accounts[tenant]
        if account.get("token") and not account.get("password"):
            self._tokens[tenant] = account["token"]
            return account["token"]
        try:
            token = self._login(tenant, account)
        except LoginError as exc:
            self._failed[tenant] = str(exc)
            raise
        self._tokens[tenant] = token
        return token

    def _login(self, tenant: str, account: t.Mapping[str, str]) -> str:
        url = f"{self._api_url}{LOGIN_PATH}"
        payload = {"email": account.get("email"), "password": account.get("password")}
        reason = "no attempt"
        for attempt in range(self._max_retries + 1):
            if attempt:
                time.sleep(self._base_delay_s * (2 ** (attempt - 1)) * random.uniform(0.5, 1.0))  # noqa: S311
            self.logins[tenant] = self.logins.get(tenant, 0) + 1
            try:
                response = self._session.post(url, json=payload, timeout=self._timeout)
            except requests.RequestException as exc:
                reason = f"connection error ({type(exc).__name__})"
                continue
            if response.status_code in _RETRIABLE_LOGIN_STATUS:
                reason = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                msg = f"tenant {tenant}: login refused (HTTP {response.status_code})"
                raise LoginError(msg)
            try:
                token = response.json().get("token")
            except (ValueError, AttributeError):
                reason = "login answer is not JSON"
                continue
            if not token or not isinstance(token, str):
                msg = f"tenant {tenant}: login answer has no token"
                raise LoginError(msg)
            logger.info("Logged in tenant %s", tenant)
            return token
        msg = f"tenant {tenant}: login failed after {self._max_retries + 1} attempts ({reason})"
        raise LoginError(msg)


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
        masked = message
        for secret in secrets:
            masked = masked.replace(secret, "***")
        if masked != message:
            record.msg = masked
            record.args = None
        return True
