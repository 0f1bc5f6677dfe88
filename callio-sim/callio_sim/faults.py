"""Fault injection rules: which requests, what fault, and when.

A rule is a JSON object (see README "Faults"):
  {"endpoints": ["/call"], "tenants": ["PK"], "fault": "status", "status": 429,
   "retry_after": 2, "times": 3, "every": 1, "probability": 1.0, "after": 0}
Rules are checked in order; the first that fires decides the request's fate.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from .records import mix

API_ENDPOINTS = ("/auth/login", "/customer", "/call", "/user", "/user-group")
FAULT_KINDS = ("status", "slow", "hang", "drop", "truncate", "non_json", "expire_token")


class FaultRuleError(ValueError):
    pass


@dataclass
class FaultRule:
    fault: str
    endpoints: tuple[str, ...] | None = None  # None = every API endpoint
    tenants: tuple[str, ...] | None = None  # None = every tenant (and requests of no tenant)
    status: int = 500
    retry_after: Any = None
    body: str | None = None
    delay: float = 0.0
    times: int | None = None
    every: int | None = None
    probability: float | None = None
    after: int = 0
    seen: int = 0
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def parse(cls, raw: dict[str, Any], seed: int, index: int) -> FaultRule:
        if not isinstance(raw, dict):
            raise FaultRuleError("each rule must be an object")
        unknown = set(raw) - {"fault", "endpoints", "endpoint", "tenants", "tenant", "status", "retry_after",
                              "body", "delay", "times", "every", "probability", "after"}
        if unknown:
            raise FaultRuleError(f"unknown rule fields: {sorted(unknown)}")
        kind = raw.get("fault", "status")
        if kind not in FAULT_KINDS:
            raise FaultRuleError(f"fault must be one of {FAULT_KINDS}")
        endpoints = _as_tuple(raw.get("endpoints", raw.get("endpoint")))
        for e in endpoints or ():
            if e not in API_ENDPOINTS:
                raise FaultRuleError(f"unknown endpoint {e!r}; use one of {API_ENDPOINTS} or '*'")
        default_delay = 60.0 if kind == "hang" else 1.0 if kind == "slow" else 0.0
        rule = cls(
            fault=kind, endpoints=endpoints, tenants=_as_tuple(raw.get("tenants", raw.get("tenant"))),
            status=int(raw.get("status", 401 if kind == "expire_token" else 500)),
            retry_after=raw.get("retry_after"), body=raw.get("body"),
            delay=float(raw.get("delay", default_delay)),
            times=_opt_int(raw.get("times")), every=_opt_int(raw.get("every")),
            probability=None if raw.get("probability") is None else float(raw["probability"]),
            after=int(raw.get("after", 0)),
            rng=random.Random(mix(seed, 0xFA, index)),
        )
        return rule

    def matches(self, endpoint: str, tenant: str | None) -> bool:
        if self.endpoints is not None and endpoint not in self.endpoints:
            return False
        return self.tenants is None or tenant in self.tenants

    def should_fire(self) -> bool:
        """Called for each matching request, in order; advances the rule's counters."""
        self.seen += 1
        if self.seen <= self.after:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        if self.every and (self.seen - self.after) % self.every != 0:
            return False
        if self.probability is not None and self.rng.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def describe(self) -> dict[str, Any]:
        return {"fault": self.fault, "endpoints": list(self.endpoints) if self.endpoints else "*",
                "tenants": list(self.tenants) if self.tenants else "*", "status": self.status,
                "retry_after": self.retry_after, "delay": self.delay, "times": self.times,
                "every": self.every, "probability": self.probability, "after": self.after,
                "seen": self.seen, "fired": self.fired}


class FaultBook:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rules: list[FaultRule] = []
        self.lock = threading.Lock()

    def replace(self, raw_rules: Any) -> list[FaultRule]:
        if isinstance(raw_rules, dict):
            raw_rules = raw_rules.get("rules", [raw_rules] if "fault" in raw_rules else [])
        if not isinstance(raw_rules, list):
            raise FaultRuleError("faults must be a list of rules or {\"rules\": [...]}")
        rules = [FaultRule.parse(r, self.seed, i) for i, r in enumerate(raw_rules)]
        with self.lock:
            self.rules = rules
        return rules

    def clear(self) -> None:
        with self.lock:
            self.rules = []

    def pick(self, endpoint: str, tenant: str | None) -> FaultRule | None:
        with self.lock:
            for rule in self.rules:
                if rule.matches(endpoint, tenant) and rule.should_fire():
                    return rule
        return None

    def describe(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r.describe() for r in self.rules]


def _as_tuple(value: Any) -> tuple[str, ...] | None:
    if value is None or value == "*" or value == ["*"]:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)
