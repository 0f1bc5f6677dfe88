"""The paginated response envelope shared by every listing endpoint, and its checks.

Only ``docs``, ``hasNextPage`` and ``totalDocs`` are trusted (``nextPage`` is known to be wrong
and ``page``/``limit`` arrive as strings; the tap's own ``page``/``pageSize`` are used instead).
A 2xx body that is not a page, or a page that contradicts itself, raises :class:`MalformedBody`,
which the stream retries and then fails the tenant with: it is never read as an empty page
(an empty page ends a slice, and its bookmark would move past records never read).

The decoded body is cached on the response so that the paginator and the record parser decode
it once.
"""

from __future__ import annotations

import typing as t
from urllib.parse import parse_qsl, urlsplit

import requests

from tap_callio import rawjson
from tap_callio.parsing import parse_bool, parse_int

_CACHE_ATTR = "_callio_body"


class MalformedBody(ValueError):
    """A 2xx body that is not a valid page (truncated, HTML, an error object, contradictions)."""


def body(response: requests.Response) -> dict:
    cached = getattr(response, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    try:
        decoded = response.json()
    except RecursionError:
        # one document nested too deep: read the others, set that one aside (quarantine.py)
        try:
            decoded = rawjson.salvage_page(response.text)
        except (ValueError, RecursionError) as exc:
            raise MalformedBody(f"response JSON is nested too deep to read ({len(response.content)} bytes)") from exc
    except ValueError as exc:
        raise MalformedBody(f"response is not JSON ({len(response.content)} bytes)") from exc
    if not isinstance(decoded, dict) or not isinstance(decoded.get("docs"), list):
        raise MalformedBody(f"response JSON is not a page (no docs list): {_keys(decoded)}")
    if parse_bool(decoded.get("hasNextPage")) is None:
        raise MalformedBody("response JSON is not a page (no hasNextPage)")
    setattr(response, _CACHE_ATTR, decoded)
    return decoded


def _keys(decoded: t.Any) -> str:
    if isinstance(decoded, dict):
        return "keys " + ", ".join(sorted(map(str, decoded))[:8])
    return type(decoded).__name__


def check_page(response: requests.Response) -> None:
    """Raise :class:`MalformedBody` unless the body is a page consistent with itself and with
    the request (page ``p`` of size ``s``, ``n`` docs, ``totalDocs`` ``T``, ``hasNextPage``):
    ``n <= s``; a page with a next page is full; with ``T``: ``n`` is what ``T`` leaves for page
    ``p``, and there is a next page exactly when ``p * s < T``.  Every contradiction found is
    named (the message says which fields disagree, whatever the slice's size)."""
    decoded = body(response)
    count = len(decoded["docs"])
    has_next = bool(parse_bool(decoded["hasNextPage"]))
    total = parse_int(decoded.get("totalDocs"))
    page, size = _requested(response)
    if size is None:
        return
    problems = []
    if count > size:
        problems.append(f"page holds {count} docs, more than the {size} asked for")
    if has_next and count < size:
        problems.append(f"page {page} holds {count} of {size} docs yet says hasNextPage")
    if total is not None and page is not None:
        expected = min(size, max(0, total - (page - 1) * size))
        if count != expected:
            problems.append(f"totalDocs {total} means {expected} docs on page {page} of size {size}, got {count}")
        if has_next != (page * size < total):
            problems.append(f"hasNextPage {has_next} contradicts totalDocs {total} on page {page} of size {size}")
    if problems:
        raise MalformedBody("; ".join(problems))


def _requested(response: requests.Response) -> tuple[int | None, int | None]:
    request = getattr(response, "request", None)
    url = getattr(request, "url", None) or ""
    params = dict(parse_qsl(urlsplit(url).query))
    return parse_int(params.get("page")), parse_int(params.get("pageSize"))


def docs(response: requests.Response) -> list[t.Any]:
    return body(response)["docs"]


def has_next_page(response: requests.Response) -> bool:
    return bool(parse_bool(body(response).get("hasNextPage"))) and bool(docs(response))


def total_docs(response: requests.Response) -> int | None:
    return parse_int(body(response).get("totalDocs"))
