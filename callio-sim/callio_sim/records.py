"""Canonical records, generated on demand from (seed, tenant, key).

A canonical record has clean types: integer epoch ms, nested objects as objects, no quirks.
The same key always yields the same record; overlays (updates) are applied by the caller.
"""

from __future__ import annotations

import functools
import math
import random
from typing import Any

import numpy as np

from . import vocab

MASK64 = (1 << 64) - 1
STREAM_CODES = {"groups": 1, "staff": 2, "customers": 3, "calls": 4, "phones": 5, "quirks": 6, "updates": 7,
                "fields": 8}


def mix(*parts: int) -> int:
    """A 64-bit hash of small integers, stable across processes.

    Python's hash of a tuple of ints does not depend on PYTHONHASHSEED; a splitmix64 finaliser
    spreads its bits.
    """
    return _finalise(hash(parts))


def _finalise(x: int) -> int:
    x = ((x & MASK64) + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


class Draws:
    """A row of pre-drawn uniform numbers for one record.

    Rows for a whole page are drawn at once with numpy (see `draw_rows`), so generating a record
    costs list indexing (`values[i]`, fixed slots) instead of seeding a `random.Random` (~12 us).
    `random()` hands them out in order, for code whose number of draws varies (quirks).
    """

    __slots__ = ("values", "i", "key")

    def __init__(self, values: list[float], key: int = 0) -> None:
        self.values = values
        self.i = 0
        self.key = key

    def random(self) -> float:
        i = self.i
        self.i = i + 1
        if i < len(self.values):
            return self.values[i]
        # ran past the pre-drawn row: continue deterministically (rare, slow path)
        return (mix(self.key, i, len(self.values)) >> 11) * 1.1102230246251565e-16


ROW_WIDTH = 24
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _splitmix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def uniforms(base: int, keys: np.ndarray, slot: int) -> np.ndarray:
    """Slot `slot` of the rows `draw_rows(base, keys)` would give, for many keys at once."""
    k = np.asarray(keys, dtype=np.uint64)
    with np.errstate(over="ignore"):
        state = _splitmix(k * _GOLDEN ^ np.uint64(base & MASK64))
        bits = _splitmix(state + np.uint64(slot + 1) * _GOLDEN)
    return (bits >> np.uint64(11)).astype(np.float64) * 1.1102230246251565e-16


def draw_rows(base: int, keys, width: int = ROW_WIDTH) -> list[Draws]:
    """One `Draws` per key: `width` uniforms from splitmix64(base, key, j), vectorised."""
    k = np.asarray(keys, dtype=np.uint64)
    with np.errstate(over="ignore"):
        state = _splitmix(k * _GOLDEN ^ np.uint64(base & MASK64))
        steps = np.arange(1, width + 1, dtype=np.uint64) * _GOLDEN
        bits = _splitmix(state[:, None] + steps[None, :])
    rows = ((bits >> np.uint64(11)).astype(np.float64) * 1.1102230246251565e-16).tolist()
    return [Draws(row, key) for row, key in zip(rows, keys)]


def object_id(tenant_code: int, stream: str, key: int) -> str:
    """24 hex chars like a Mongo ObjectId: pseudo-seconds, tenant, stream, key (unique per tenant).

    Ids depend only on (tenant, stream, key), never on the clock, so a record keeps its id
    across restarts of the simulator with the same seed (the tap's tests rely on that).
    """
    seconds = 0x64000000 + (key * 2_654_435_761 + tenant_code) % 0x08000000
    return f"{seconds:08x}{_id_middle(tenant_code, stream)}{key & 0xFFFFFFFFFF:010x}"


@functools.cache
def _id_middle(tenant_code: int, stream: str) -> str:
    return f"{tenant_code & 0xFFFF:04x}{STREAM_CODES[stream]:02x}"


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(vocab.FAMILY_NAMES)} {rng.choice(vocab.MIDDLE_NAMES)} {rng.choice(vocab.GIVEN_NAMES)}"


def make_groups(seed: int, tenant_code: int, count: int, now_ms: int) -> list[dict[str, Any]]:
    rng = random.Random(mix(seed, tenant_code, STREAM_CODES["groups"]))
    groups = []
    for i in range(count):
        created = now_ms - rng.randint(200, 900) * 86_400_000 + rng.randint(0, 86_399_999)
        updated = created + rng.randint(0, now_ms - created)
        base = vocab.GROUP_NAMES[i % len(vocab.GROUP_NAMES)]
        name = base if i < len(vocab.GROUP_NAMES) else f"{base} {i // len(vocab.GROUP_NAMES) + 1}"
        groups.append({"_id": object_id(tenant_code, "groups", i), "name": name,
                       "createTime": created, "updateTime": updated})
    return groups


def make_staff(seed: int, tenant_code: int, count: int, groups: list[dict], now_ms: int) -> list[dict[str, Any]]:
    rng = random.Random(mix(seed, tenant_code, STREAM_CODES["staff"]))
    staff = []
    for i in range(count):
        full = person_name(rng)
        code = f"NV{i + 1:03d}"
        branch = rng.choice(vocab.BRANCHES)
        group = groups[rng.randrange(len(groups))] if i >= len(groups) else groups[i]
        created = now_ms - rng.randint(100, 800) * 86_400_000 + rng.randint(0, 86_399_999)
        updated = created + rng.randint(0, now_ms - created)
        staff.append({
            "_id": object_id(tenant_code, "staff", i),
            "email": f"{vocab.ascii_slug(full)}.{code.lower()}@callio-sim.test",
            "name": f"{vocab.strip_accents_upper(full)} - {code} - {branch}",
            "ext": str(1000 + i + 1),
            "role": "admin" if i == 0 else ("manager" if rng.random() < 0.08 else "agent"),
            "active": rng.random() > 0.1,
            "createTime": created,
            "updateTime": updated,
            "group": {"_id": group["_id"], "name": group["name"]},
        })
    return staff


def owner_ref(staff_member: dict[str, Any]) -> dict[str, Any]:
    """The nested `user` / `fromUser` object; its `group` is the plain group id (canonical)."""
    return {"_id": staff_member["_id"], "name": staff_member["name"], "email": staff_member["email"],
            "ext": staff_member["ext"], "group": staff_member["group"]["_id"]}


def customer_phone(seed: int, tenant_code: int, key: int) -> tuple[str, int]:
    """(9-digit subscriber number, stored format style) of a customer; calls reuse it."""
    h = hash((seed, tenant_code, key)) & MASK64  # stable for ints; cheaper than mix()
    prefix = vocab.MOBILE_PREFIXES[h % len(vocab.MOBILE_PREFIXES)]
    # key in the low digits keeps numbers unique inside a tenant
    digits = f"{prefix}{(key * 7_919 + (h >> 20) % 7_919) % 10_000_000:07d}"
    r = (h >> 40) % 100
    style = 0 if r < 70 else 1 if r < 82 else 2 if r < 95 else 3
    return digits, style


def status_values(u: list[float]) -> list[str] | None:
    """`val` of the `tinh-trang-kh` field from 5 uniforms: None = no such field; may be empty,
    multi-valued (with padding and repeats) or written with decomposed (NFD) accents."""
    r = u[0]
    if r < 0.08:
        return None
    if r < 0.14:
        return []
    statuses = vocab.STATUSES
    first = statuses[int(u[1] * len(statuses))]
    if r < 0.24:
        second = statuses[int(u[2] * len(statuses))]
        vals = [first, " " + second + " ", first] if u[3] < 0.3 else [first, second]
    elif r < 0.27:
        vals = [first, ""]
    else:
        vals = [first]
    if u[4] < 0.15:
        vals = [vocab.nfd(v) for v in vals]
    return vals


def make_customer(ctx, rng: Draws, key: int, create_time: int, update_time: int,
                  overlay: dict | None) -> dict[str, Any]:
    # fixed slots of the pre-drawn row (see ROW_WIDTH): indexing is the cheap path
    u = rng.values
    digits, style = customer_phone(ctx.seed, ctx.tenant_code, key)
    family = vocab.FAMILY_PARTS[int(u[0] * len(vocab.FAMILY_PARTS))]
    middle = vocab.MIDDLE_PARTS[int(u[1] * len(vocab.MIDDLE_PARTS))]
    given = vocab.GIVEN_PARTS[int(u[2] * len(vocab.GIVEN_PARTS))]
    plain = u[3] < 0.1  # some names were typed without accents
    full = f"{family[plain]} {middle[plain]} {given[plain]}"
    owner = int(u[5] * len(ctx.staff))
    if u[4] < 0.07:
        owner, assigned = None, 0
    elif u[4] < 0.5:
        assigned = create_time
    else:  # reassigned later
        assigned = create_time + int((update_time - create_time) * u[6])
    status = status_values(u[7:12])
    email = f"{family[2]}{middle[2]}{given[2]}{1 + int(u[13] * 999)}@gmail.com" if u[12] < 0.6 else ""
    n_tags = int(u[15] * 3)
    tags = [] if n_tags == 0 else [vocab.TAGS[int(u[16] * 6)]] if n_tags == 1 else \
        [vocab.TAGS[int(u[16] * 3)], vocab.TAGS[3 + int(u[17] * 3)]]
    if overlay:
        if "owner" in overlay:
            owner = overlay["owner"]
            assigned = overlay["assignedTime"]
        if "status" in overlay:
            status = overlay["status"]
    fields = []
    if status is not None:
        fields.append({"_id": object_id(ctx.tenant_code, "fields", key * 2),
                       "key": "tinh-trang-kh", "val": list(status)})
    if u[18] < 0.33:
        other = {"_id": object_id(ctx.tenant_code, "fields", key * 2 + 1),
                 "key": "nguon-data", "val": [vocab.SOURCES[int(u[19] * 6)]]}
        fields.insert(int(u[20] * 2), other)  # the status field is not always first
    return {
        "_id": object_id(ctx.tenant_code, "customers", key),
        "createTime": create_time,
        "updateTime": update_time,
        "assignedTime": assigned,
        "name": full,
        "phone": vocab.format_phone(digits, style),
        "email": email,
        "code": f"KH{key + 1:06d}",
        "source": vocab.SOURCES[int(u[14] * len(vocab.SOURCES))],
        "tags": tags,
        "user": None if owner is None else ctx.owner_refs[owner],
        "customFields": fields,
    }


# Directions from the call's first uniform: outbound 65 %, inbound 28 %, local 5 %, and 2 % that
# no documented reading covers (NULL or a word nobody has seen), as data (their spellings on the
# way out are quirks.py's).
OUTBOUND_BELOW, INBOUND_BELOW, LOCAL_BELOW = 0.65, 0.93, 0.98
UNKNOWN_DIRECTIONS = (None, "transfer")
# Share of answered calls, by the call's third uniform.
ANSWERED_BELOW = {"outbound": 0.55}
ANSWERED_BELOW_OTHERWISE = 0.75
# Answered calls whose wait the backend did not record: answerTime 0, or before startTime.
ANSWER_TIME_ZERO_BELOW, ANSWER_TIME_EARLY_BELOW = 0.04, 0.06
# Inbound calls missed with nobody on them (a queue, the IVR), and of those the ones that keep
# their queue's group.
UNATTENDED_BELOW, QUEUE_GROUP_BELOW = 0.1, 0.5


def direction_of(u0: float) -> str | None:
    if u0 < OUTBOUND_BELOW:
        return "outbound"
    if u0 < INBOUND_BELOW:
        return "inbound"
    if u0 < LOCAL_BELOW:
        return "local"
    return UNKNOWN_DIRECTIONS[int((u0 - LOCAL_BELOW) / (1 - LOCAL_BELOW) * len(UNKNOWN_DIRECTIONS))]


def missed_inbound_mask(u0: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """Which calls `make_call` makes missed inbound calls, from their uniforms 0 and 2 (vectorised,
    for the callbacks of tenant.py)."""
    return (u0 >= OUTBOUND_BELOW) & (u0 < INBOUND_BELOW) & (u2 >= ANSWERED_BELOW_OTHERWISE)


def make_call(ctx, rng: Draws, key: int, create_time: int, known_customers: int) -> dict[str, Any]:
    """A call; `known_customers` = how many customers existed at `create_time` (batch lookup).

    A callback (ctx.callback_number(key) is a number) is an outbound call to that number."""
    u = rng.values  # fixed slots of the pre-drawn row
    callback_number = ctx.callback_number(key)
    direction = "outbound" if callback_number is not None else direction_of(u[0])
    n_staff = len(ctx.staff)
    agent_idx = int(u[1] * n_staff)
    agent = ctx.staff[agent_idx]
    answered = u[2] < ANSWERED_BELOW.get(direction, ANSWERED_BELOW_OTHERWISE)
    ring_ms = 2_000 + int(u[3] * 43_000)
    start = create_time
    if answered:
        answer = start + ring_ms
        talk_ms = int(-math.log(1.0 - u[4]) * 120_000) + 1_000 + int(u[5] * 4_000)
        end = answer + talk_ms
        bill = -(-talk_ms // 1000)
        cause = "NORMAL_CLEARING"
        if u[13] < ANSWER_TIME_ZERO_BELOW:
            answer = 0
        elif u[13] < ANSWER_TIME_EARLY_BELOW:
            answer = start - 1_000 - int(u[14] * 5_000)
    else:
        answer = 0
        end = start + ring_ms
        bill = 0
        cause = vocab.HANGUP_CAUSES[1 + int(u[6] * (len(vocab.HANGUP_CAUSES) - 1))]
    customer_number = callback_number or ctx.call_customer_number(u[7:11], known_customers)
    if direction == "inbound":
        from_number, to_number = customer_number, ctx.hotline
    elif direction == "local":
        from_number, to_number = agent["ext"], ctx.staff[int(u[11] * n_staff)]["ext"]
    else:  # outbound, and directions nobody documented: the agent calls the customer
        from_number, to_number = agent["ext"], customer_number
    unattended = direction == "inbound" and not answered and u[12] < UNATTENDED_BELOW
    return {
        "_id": object_id(ctx.tenant_code, "calls", key),
        "createTime": create_time,
        "chargeTime": end,
        "startTime": start,
        "answerTime": answer,
        "endTime": end,
        "duration": round((end - start) / 1000),
        "billDuration": bill,
        "direction": direction,
        "fromNumber": from_number,
        "toNumber": to_number,
        "hangupCause": cause,
        "fromUser": None if unattended else ctx.owner_refs[agent_idx],
        "fromGroup": None if unattended and u[15] >= QUEUE_GROUP_BELOW else agent["group"],
    }
