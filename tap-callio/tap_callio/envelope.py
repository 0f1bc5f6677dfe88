"""The paginated response envelope shared by every listing endpoint, and its checks.

Only ``docs``, ``hasNextPage`` and ``totalDocs`` are trusted (``nextPage`` is known to be wrong
and ``page``/``limit`` arrive as strings; the tap's own ``page``/``pageSize`` are used instead).
A 2xx body that is not a page, or a page that contradicts itself, raises :class:`MalformedBody`,
which the stream retries and then fails the tenant with: it is never read as an empty page
(an empty page ends a slice, and its bookmark would move past records never read).

The decoded body is cached on the response so that the paginator and the record parser decode
it once.

Decoding has a fast path and the careful one.  msgspec decodes a page in about half the time of
``response.json()``, but only takes pages that both decoders read alike: a UTF-8 body (the text
``response.json()`` would decode) whose values nest at most :data:`FAST_DEPTH` levels.  msgspec
refuses everything odd that the careful path treats specially (lone surrogates, invalid UTF-8,
``NaN``, numbers beyond a double such as ``1e400``, a BOM, any malformed JSON), and the depth bound
keeps pages near the decoders' recursion limits off the fast path; such a page is decoded again by
``response.json()`` and, when that fails, read document by document (rawjson.py), as before.
"""

from __future__ import annotations

import codecs
import functools
import typing as t
from urllib.parse import parse_qsl, urlsplit

import msgspec
import requests
from requests.utils import guess_json_utf

from tap_callio import rawjson
from tap_callio.parsing import parse_bool, parse_int

_CACHE_ATTR = "_callio_body"
# Levels of nesting below the page that the fast path takes (docs list, document, field, ...).
# The decoder's type grows twice as large with each level: 8 builds in a few milliseconds.
FAST_DEPTH = 8


class MalformedBody(ValueError):
    """A 2xx body that is not a valid page (truncated, HTML, an error object, contradictions)."""


def body(response: requests.Response) -> dict:
    cached = getattr(response, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    decoded = fast_decode(response)
    if decoded is None:
        decoded = careful_decode(response)
    if not isinstance(decoded, dict) or not isinstance(decoded.get("docs"), list):
        raise MalformedBody(f"response JSON is not a page (no docs list): {_keys(decoded)}")
    if parse_bool(decoded.get("hasNextPage")) is None:
        raise MalformedBody("response JSON is not a page (no hasNextPage)")
    setattr(response, _CACHE_ATTR, decoded)
    return decoded


@functools.cache
def _fast_decoder() -> msgspec.json.Decoder:
    """A msgspec decoder of a JSON object whose values nest at most FAST_DEPTH levels (JSON's
    types, read as ``response.json()`` reads them; deeper nesting fails validation)."""
    value: t.Any = None | bool | int | float | str
    for _ in range(FAST_DEPTH):
        value = None | bool | int | float | str | list[value] | dict[str, value]  # type: ignore[valid-type]
    return msgspec.json.Decoder(dict[str, value])  # type: ignore[valid-type]


def fast_decode(response: requests.Response) -> dict | None:
    """The body decoded by msgspec, or None when the careful path must decide (not UTF-8, not
    plain JSON, nested deeper than FAST_DEPTH, anything msgspec refuses)."""
    content = response.content
    if not content or not _utf8(response):
        return None
    try:
        return _fast_decoder().decode(content)
    except (msgspec.MsgspecError, ValueError, RecursionError):
        return None


def _utf8(response: requests.Response) -> bool:
    """Whether ``response.json()`` would decode the body as UTF-8 (the charset of the reply, or
    the RFC's guess when it names none)."""
    encoding = response.encoding
    if encoding is None:
        return len(response.content) > 3 and guess_json_utf(response.content) == "utf-8"
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def careful_decode(response: requests.Response) -> t.Any:
    """``response.json()``; a page it cannot read because one document nests too deep is read
    document by document, that document set aside (rawjson.py)."""
    try:
        return response.json()
    except RecursionError:
        # one document nested too deep: read the others, set that one aside (quarantine.py)
        try:
            return rawjson.salvage_page(response.text)
        except (ValueError, RecursionError) as exc:
            raise MalformedBody(f"response JSON is nested too deep to read ({len(response.content)} bytes)") from exc
    except ValueError as exc:
        raise MalformedBody(f"response is not JSON ({len(response.content)} bytes)") from exc


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
