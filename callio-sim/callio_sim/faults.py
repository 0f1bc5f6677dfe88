"""Fault injection rules: which requests, what fault, and when.

A rule is a JSON object (see README "Faults"):
  {"endpoints": ["/call"], "tenants": ["PK"], "fault": "status", "status": 429,
   "retry_after": 2, "times": 3, "every": 1, "probability": 1.0, "after": 0}
Rules are checked in order; the first that fires decides the request's fate.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from .records import mix

API_ENDPOINTS = ("/auth/login", "/customer", "/call", "/user", "/user-group")
FAULT_KINDS = ("status", "slow", "hang", "drop", "truncate", "non_json", "expire_token", "bad_page",
               "echo_credentials", "drip", "poison")
# bad_page: a 200 reply that is not a valid page (see README "Faults")
BAD_PAGE_SHAPES = ("error_object", "empty_with_next", "docs_dropped", "count_mismatch")
# poison: values that a record can carry but no sane reader should pass on as they are, and
# records a reader cannot use at all (no id, an unreadable time key, not an object) or must keep
# whole although odd (a long text)
POISON_VALUES = ("huge_text", "lone_surrogate", "deep_nesting", "int_2_63_plus_5", "int_10_40", "float_1_5e300",
                 "no_id", "bad_time", "not_object", "long_text")
LONG_TEXT_CHARS = 100_000
_TIME_KEY = {"/customer": "updateTime", "/call": "createTime", "/user": "createTime", "/user-group": "createTime"}


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
    shape: str = "error_object"
    ids: tuple[str, ...] = ()
    poison_field: str | None = None  # rule key "field"
    value: str = "huge_text"
    chunk: int = 1
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
                              "body", "delay", "times", "every", "probability", "after", "shape", "ids",
                              "field", "value", "chunk"}
        if unknown:
            raise FaultRuleError(f"unknown rule fields: {sorted(unknown)}")
        kind = raw.get("fault", "status")
        if kind not in FAULT_KINDS:
            raise FaultRuleError(f"fault must be one of {FAULT_KINDS}")
        endpoints = _as_tuple(raw.get("endpoints", raw.get("endpoint")))
        for e in endpoints or ():
            if e not in API_ENDPOINTS:
                raise FaultRuleError(f"unknown endpoint {e!r}; use one of {API_ENDPOINTS} or '*'")
        default_delay = {"hang": 60.0, "slow": 1.0, "drip": 0.5}.get(kind, 0.0)
        shape = raw.get("shape", "error_object")
        if shape not in BAD_PAGE_SHAPES:
            raise FaultRuleError(f"shape must be one of {BAD_PAGE_SHAPES}")
        value = raw.get("value", "huge_text")
        if value not in POISON_VALUES:
            raise FaultRuleError(f"value must be one of {POISON_VALUES}")
        if kind == "poison" and not raw.get("ids"):
            raise FaultRuleError("a poison rule needs the ids of the records to poison")
        rule = cls(
            fault=kind, endpoints=endpoints, tenants=_as_tuple(raw.get("tenants", raw.get("tenant"))),
            status=int(raw.get("status", 401 if kind == "expire_token" else 500)),
            shape=shape, ids=_as_tuple(raw.get("ids")) or (), poison_field=raw.get("field"), value=value,
            chunk=max(1, int(raw.get("chunk", 1))),
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
                "shape": self.shape, "ids": list(self.ids), "field": self.poison_field, "value": self.value,
                "chunk": self.chunk, "seen": self.seen, "fired": self.fired}


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
        """The rule deciding this request's fate (poison rules never do: see `poisons`)."""
        with self.lock:
            for rule in self.rules:
                if rule.fault != "poison" and rule.matches(endpoint, tenant) and rule.should_fire():
                    return rule
        return None

    def poisons(self, endpoint: str, tenant: str | None) -> list[FaultRule]:
        """Every poison rule for this request: they alter records of a normal reply, together.
        Unlike other rules they fire on every matching reply (a record is poisoned for good)."""
        with self.lock:
            return [rule for rule in self.rules if rule.fault == "poison" and rule.matches(endpoint, tenant)]

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


# ----- payload rewrites of the `bad_page` and `poison` faults (pure: bytes in, bytes out) -------

HUGE_TEXT_CHARS = 3 * 1024 * 1024
DEEP_NESTING_LEVELS = 100_000
# default field a poison value goes into, per endpoint: text values into a text field, numbers
# into a number field, nesting into the customer status value
_TEXT_FIELD = {"/customer": "name", "/call": "hangupCause", "/user": "name", "/user-group": "name"}
_NUMBER_FIELD = {"/customer": "assignedTime", "/call": "duration", "/user": "createTime", "/user-group": "createTime"}
_PLACEHOLDER = "\u0001callio-sim-poison-{}\u0001"


def bad_page(payload: bytes, shape: str) -> bytes:
    """A 200 body that is not a valid page, from the real one (see BAD_PAGE_SHAPES)."""
    if shape == "error_object":
        error = {"statusCode": 500, "message": "Internal server error", "error": "Service unavailable"}
        return json.dumps(error).encode()
    page = json.loads(payload)
    if shape == "empty_with_next":
        page["docs"], page["hasNextPage"] = [], True
    elif shape == "docs_dropped":
        page["docs"] = []  # totalDocs and hasNextPage still say records are there
    elif shape == "count_mismatch":
        page["docs"] = page["docs"][: len(page["docs"]) // 2]
    return json.dumps(page, ensure_ascii=False).encode()


def poison(payload: bytes, endpoint: str, rules: list[FaultRule]) -> tuple[bytes, int]:
    """The page with the rules' poison values put into the records they name; (body, how many)."""
    page = json.loads(payload)
    raw_values: dict[str, str] = {}
    hits = 0
    docs = page.get("docs", [])
    for position, doc in enumerate(docs):
        for rule in rules:
            if not isinstance(doc, dict) or doc.get("_id") not in rule.ids:
                continue
            hits += 1
            if rule.value == "no_id":
                doc.pop("_id", None)
                doc.pop("id", None)
                continue
            if rule.value == "bad_time":
                doc[rule.poison_field or _TIME_KEY[endpoint]] = "yesterday"
                continue
            if rule.value == "not_object":
                docs[position] = f"not an object ({doc['_id']})"
                continue
            if rule.value == "long_text":
                doc[rule.poison_field or _TEXT_FIELD[endpoint]] = "L" * LONG_TEXT_CHARS
                continue
            if rule.value == "deep_nesting":
                text = "[" * DEEP_NESTING_LEVELS + '"deep"' + "]" * DEEP_NESTING_LEVELS
            elif rule.value == "lone_surrogate":
                text = json.dumps("Nguy\ud800n")  # ensure_ascii: the escape, valid JSON text
            else:
                text = {"huge_text": json.dumps("X" * HUGE_TEXT_CHARS), "int_2_63_plus_5": str(2**63 + 5),
                        "int_10_40": str(10**40), "float_1_5e300": "1.5e300"}[rule.value]
            marker = _PLACEHOLDER.format(len(raw_values))
            raw_values[marker] = text
            if rule.value == "deep_nesting" and rule.poison_field is None and endpoint == "/customer":
                doc["customFields"] = [{"key": "tinh-trang-kh", "val": marker}]
                continue
            numeric = rule.value.startswith(("int_", "float_"))
            doc[rule.poison_field or (_NUMBER_FIELD if numeric else _TEXT_FIELD)[endpoint]] = marker
    if not raw_values:
        return (json.dumps(page, ensure_ascii=False).encode() if hits else payload), hits
    body = json.dumps(page, ensure_ascii=False)
    for marker, text in raw_values.items():
        body = body.replace(json.dumps(marker, ensure_ascii=False), text)
    return body.encode("utf-8"), hits
