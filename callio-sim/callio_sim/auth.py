"""Accounts, API tokens and session tokens.

Logins and API tokens are deterministic from the seed (so tests and the tap's accounts file can
be written before the server starts); session tokens are random and live `token_ttl_s` seconds.
A new login to an account invalidates that account's previous session token.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from .records import mix
from .tenant import tenant_code


@dataclass(frozen=True)
class Account:
    tenant: str
    email: str
    password: str
    api_token: str


def make_accounts(seed: int, tenants: tuple[str, ...], per_tenant: int) -> list[Account]:
    accounts = []
    for tenant in tenants:
        code = tenant_code(tenant)
        for n in range(per_tenant):
            suffix = "" if n == 0 else str(n + 1)
            password = f"Pw-{mix(seed, code, 101, n):016x}"[:19]
            api_token = f"{mix(seed, code, 202, n):016x}{mix(seed, code, 203, n):016x}"
            accounts.append(Account(tenant, f"admin{suffix}@{tenant.lower()}.callio-sim.test", password, api_token))
    return accounts


class TokenStore:
    def __init__(self, accounts: list[Account], ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self.by_email = {a.email.lower(): a for a in accounts}
        self.api_tokens = {a.api_token: a.tenant for a in accounts}
        self.sessions: dict[str, tuple[str, str, float]] = {}  # token -> (tenant, email, expiry)
        self.current: dict[str, str] = {}  # email -> its only valid session token
        self.lock = threading.Lock()

    def tenant_of_email(self, email: str) -> str | None:
        account = self.by_email.get(str(email).lower())
        return account.tenant if account else None

    def login(self, email: str, password: str) -> str | None:
        account = self.by_email.get(str(email).lower())
        if account is None or not secrets.compare_digest(str(password), account.password):
            return None
        token = secrets.token_hex(24)
        with self.lock:
            old = self.current.get(account.email)
            if old:
                self.sessions.pop(old, None)
            self.current[account.email] = token
            self.sessions[token] = (account.tenant, account.email, time.monotonic() + self.ttl_s)
        return token

    def tenant_of_token(self, token: str | None) -> tuple[str | None, bool]:
        """(tenant, valid). An expired or replaced session token still names its tenant."""
        if not token:
            return None, False
        if token in self.api_tokens:
            return self.api_tokens[token], True
        session = self.sessions.get(token)
        if session is None:
            return None, False
        return session[0], time.monotonic() < session[2]

    def revoke(self, token: str | None) -> bool:
        """Invalidate a session token (API tokens are long-lived and stay valid)."""
        with self.lock:
            session = self.sessions.pop(token or "", None)
            if session and self.current.get(session[1]) == token:
                del self.current[session[1]]
        return session is not None
