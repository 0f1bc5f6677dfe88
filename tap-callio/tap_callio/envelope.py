"""The paginated response envelope shared by every listing endpoint.

Only ``docs`` and ``hasNextPage`` are trusted (``nextPage`` is known to be
wrong and ``page``/``limit`` arrive as strings).  The decoded body is cached on
the response so that the paginator and the record parser decode it once.
"""

from __future__ import annotations

import typing as t

import requests

from tap_callio.parsing import parse_bool, parse_int

_CACHE_ATTR = "_callio_body"


class MalformedBody(ValueError):
    """A 2xx body that is not the expected JSON envelope (truncated, HTML, ...)."""


def body(response: requests.Response) -> dict:
    cached = getattr(response, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    try:
        decoded = response.json()
    except ValueError as exc:
        raise MalformedBody(f"response is not JSON ({len(response.content)} bytes)") from exc
    if not isinstance(decoded, dict) or not isinstance(decoded.get("docs", []), list):
        raise MalformedBody("response JSON is not a paginated envelope")
    setattr(response, _CACHE_ATTR, decoded)
    return decoded


def docs(response: requests.Response) -> list[t.Any]:
    return body(response).get("docs") or []


def has_next_page(response: requests.Response) -> bool:
    return bool(parse_bool(body(response).get("hasNextPage"))) and bool(docs(response))


def total_docs(response: requests.Response) -> int | None:
    return parse_int(body(response).get("totalDocs"))
