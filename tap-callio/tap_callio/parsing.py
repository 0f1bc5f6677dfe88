"""Lenient parsing of the values the Callio API sends.

The API (and some exports of it) send the same field in several shapes: epoch
milliseconds as integers, numeric strings or floats; nested objects as objects,
as JSON text, as Python-literal text or as a bare id string.  These helpers turn
each shape into one canonical type and never raise: a value that cannot be
repaired comes back as ``None`` (or unchanged, where documented) so that the
caller decides whether the record is still usable.
"""

from __future__ import annotations

import ast
import functools
import json
import math
import typing as t

_TRUE_TEXT = {"true", "1", "yes", "y", "t"}
_FALSE_TEXT = {"false", "0", "no", "n", "f", ""}


def parse_int(value: t.Any) -> int | None:
    """Integer from an int, a float or a numeric string; None when impossible."""
    if type(value) is int:  # the common case first (a bool is not one)
        return value
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return int(number) if math.isfinite(number) else None
    return None


def parse_epoch_ms(value: t.Any) -> int | None:
    """Epoch milliseconds as an integer.

    ``0`` means "never" in the API and is kept as ``0`` (the transform decides
    what it means); negative values are rejected as garbage.
    """
    number = value if type(value) is int else parse_int(value)
    if number is None or number < 0:
        return None
    return number


def parse_bool(value: t.Any) -> bool | None:
    """Boolean from bools, 0/1 and common true/false words."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_TEXT:
            return True
        if text in _FALSE_TEXT:
            return False
    return None


def parse_text(value: t.Any) -> str | None:
    """String form of a scalar (numbers become text); None for empty/absent."""
    if type(value) is str:  # the common case first
        return value
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return None


def parse_structured_text(text: str) -> t.Any:
    """Decode JSON text, else Python-literal text; return the text itself if neither.

    ``ast.literal_eval`` only builds literals (dicts, lists, strings, numbers) and
    cannot execute code, unlike ``eval``.  Short texts are decoded once and remembered
    (the same user or group arrives as text in record after record, and a Python
    literal costs a failed JSON decode plus a parse): the result may be shared
    between callers, who only read it (records are built from new containers).
    """
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return text
    if len(text) <= CACHED_TEXT_CHARS:
        return _decode_remembered(text)
    return _decode(text, stripped)


# Texts up to this length are remembered, the last 1,024 of them: a user or group as text is a
# few hundred characters; at most about 2 MB are held.
CACHED_TEXT_CHARS = 512


@functools.lru_cache(maxsize=1_024)
def _decode_remembered(text: str) -> t.Any:
    return _decode(text, text.strip())


def _decode(text: str, stripped: str) -> t.Any:
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    try:
        return ast.literal_eval(stripped)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def parse_object(value: t.Any, *, id_key: str = "_id") -> dict | None:
    """A nested object: dicts pass, JSON/literal text is decoded, an id string
    becomes ``{"_id": value}``; anything else gives None."""
    if type(value) is dict or isinstance(value, dict):
        return value
    if isinstance(value, str):
        decoded = parse_structured_text(value)
        if isinstance(decoded, dict):
            return decoded
        if isinstance(decoded, str) and decoded.strip():
            return {id_key: decoded.strip()}
    return None


def parse_list(value: t.Any) -> list | None:
    """A list: lists pass, JSON/literal text of a list is decoded, a scalar
    becomes a one-element list; None stays None."""
    if value is None:
        return None
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, str):
        decoded = parse_structured_text(value)
        if isinstance(decoded, (list, tuple)):
            return list(decoded)
        return [decoded] if decoded != "" else []
    if isinstance(value, dict):
        return [value]
    return [value]


def object_id(value: t.Any) -> str | None:
    """The id of a nested value that is either an object with ``_id``/``id``
    or a plain id string (possibly as JSON/literal text)."""
    obj = parse_object(value)
    if obj is None:
        return None
    found = obj.get("_id", obj.get("id"))
    return parse_text(found)


def string_list(value: t.Any) -> list[str] | None:
    """A list of strings (scalars converted, empty and nested values dropped)."""
    items = parse_list(value)
    if items is None:
        return None
    result = []
    for item in items:
        text = parse_text(item)
        if text is not None:
            result.append(text)
    return result
