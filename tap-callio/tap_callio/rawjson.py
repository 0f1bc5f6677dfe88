"""Read a page that the JSON decoder refuses as a whole because one document in it is nested too
deep (Python's decoder recurses, and gives up past ~1,000 levels).

The page is split into its top-level members and ``docs`` into its documents without recursion
(a scan for brackets, commas and strings); each document is then decoded on its own, and one
that still fails becomes a :class:`~tap_callio.quarantine.QuarantinedDoc` holding its raw text
and the members that did decode (so its id and sort key still count for paging).  Only used as
the fallback when decoding the whole page failed: the common path never scans in Python.
"""

from __future__ import annotations

import json
import re

from tap_callio.quarantine import QuarantinedDoc

_SPECIAL = re.compile(r'[\\"\[\]{},]')
_IN_STRING = re.compile(r'[\\"]')
_DECODER = json.JSONDecoder()
TOO_DEEP = "nested deeper than the JSON decoder accepts"


def _spans(text: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of each top-level element of the array or object opening at ``start``."""
    spans = []
    depth = 0
    item_start = start + 1
    position = start + 1
    in_string = False
    while True:
        match = (_IN_STRING if in_string else _SPECIAL).search(text, position)
        if match is None:
            msg = "unterminated JSON container"
            raise ValueError(msg)
        char = match.group()
        position = match.end()
        if in_string:
            if char == "\\":
                position += 1  # skip the escaped character
            else:
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            if depth == 0:
                if text[item_start : match.start()].strip():
                    spans.append((item_start, match.start()))
                return spans
            depth -= 1
        elif char == "," and depth == 0:
            spans.append((item_start, match.start()))
            item_start = position


def _members(text: str, start: int) -> list[tuple[str, int, int]]:
    """(key, value start, value end) of each member of the object opening at ``start``."""
    members = []
    for begin, end in _spans(text, start):
        key_at = text.index('"', begin)
        key, after_key = _DECODER.raw_decode(text, key_at)
        colon = text.index(":", after_key)
        members.append((str(key), colon + 1, end))
    return members


def salvage_page(text: str) -> dict:
    """The page, with each document that cannot be decoded as a QuarantinedDoc."""
    start = len(text) - len(text.lstrip())
    if text[start : start + 1] != "{":
        msg = "not a JSON object"
        raise ValueError(msg)
    page: dict = {}
    for key, begin, end in _members(text, start):
        value_text = text[begin:end].strip()
        if key == "docs" and value_text.startswith("["):
            docs_start = text.index("[", begin)
            page[key] = [_document(text[a:b].strip()) for a, b in _spans(text, docs_start)]
        else:
            page[key] = json.loads(value_text)  # a too deep envelope member: not a page
    return page


def _document(raw: str) -> object:
    try:
        return json.loads(raw)
    except RecursionError:
        pass
    decoded = {}
    if raw.startswith("{"):
        for key, begin, end in _members(raw, 0):
            try:
                decoded[key] = json.loads(raw[begin:end])
            except RecursionError:
                continue
    return QuarantinedDoc(decoded, raw, TOO_DEEP)
