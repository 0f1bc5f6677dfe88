"""Load ids that only grow from one load to the next, whatever the clocks do.

dbt picks up the raw rows it has not merged yet by their load id (the marts keep the newest one
they merged), so every load must get a greater id than every load before it. A clock cannot
promise that (a VM resumed, NTP stepping back: the loader's `_sdc_batched_at` went 30 minutes
back and new rows were skipped), so the id is a counter:

    <sequence, 12 digits>-<8 random hex>      e.g. 000000000042-9f3c1a7e

sequence = 1 + the greater of the counter kept in the guard's private folder and the greatest
sequence found in the warehouse's raw tables. The local counter survives a warehouse that was
emptied or restored (the marts may still hold higher sequences); the warehouse survives a lost
project folder (a new machine). The random part keeps two ids apart should two projects ever
load the same tables. Ids of the first guard version (uuid4) and rows without an id read as
sequence 0: older than every counted load.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from pathlib import Path
from typing import Callable

SEQUENCE_DIGITS = 12
SEPARATOR = "-"
COUNTER_FILE = "load-sequence"


def format_load_id(sequence: int) -> str:
    return f"{sequence:0{SEQUENCE_DIGITS}d}{SEPARATOR}{secrets.token_hex(4)}"


def sequence_of(load_id: object) -> int:
    """The sequence of a load id; 0 for an id without one (uuid4 of old loads, NULL)."""
    if not isinstance(load_id, str) or len(load_id) <= SEQUENCE_DIGITS:
        return 0
    head = load_id[:SEQUENCE_DIGITS]
    if load_id[SEQUENCE_DIGITS] != SEPARATOR or not head.isdigit():
        return 0
    return int(head)


def _read_counter(path: Path) -> int:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return 0
    return int(text) if text.isdigit() else 0


def next_load_id(home: Path, newest_in_warehouse: Callable[[], int]) -> str:
    """Draw the next load id and remember its sequence (serialised between guards by a lock)."""
    counter = home / COUNTER_FILE
    with open(home / f"{COUNTER_FILE}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sequence = max(_read_counter(counter), newest_in_warehouse()) + 1
        scratch = counter.with_name(f"{COUNTER_FILE}.new")
        scratch.write_text(f"{sequence}\n", encoding="ascii")
        os.replace(scratch, counter)  # atomic: a kill never leaves a half-written counter
    return format_load_id(sequence)
