"""The page checks and the fallback reader of pages holding a record nested too deep (fast, no
server: a requests.Response built in memory)."""

from __future__ import annotations

import json

import pytest
import requests

from tap_callio import envelope
from tap_callio.quarantine import QuarantinedDoc


def reply(body: str | dict, page: int = 1, size: int = 3) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = (body if isinstance(body, str) else json.dumps(body)).encode()
    response.request = requests.Request("GET", f"http://api/call?page={page}&pageSize={size}").prepare()
    return response


def docs(n: int) -> list[dict]:
    return [{"_id": str(i)} for i in range(n)]


@pytest.mark.parametrize(
    ("body", "page"),
    [
        ({"docs": docs(3), "totalDocs": 7, "hasNextPage": True}, 1),
        ({"docs": docs(1), "totalDocs": 7, "hasNextPage": False}, 3),
        ({"docs": [], "totalDocs": 0, "hasNextPage": False}, 1),
        ({"docs": docs(2), "hasNextPage": "false"}, 1),  # no totalDocs: fewer checks
    ],
)
def test_consistent_pages_pass(body, page):
    envelope.check_page(reply(body, page=page))


@pytest.mark.parametrize(
    ("body", "page", "complaint"),
    [
        ({"statusCode": 500, "message": "Internal error"}, 1, "no docs list"),
        ({"docs": docs(1), "totalDocs": 1}, 1, "no hasNextPage"),
        ({"docs": [], "totalDocs": 7, "hasNextPage": True}, 1, "hasNextPage"),
        # every contradiction is named, not just the first one checked
        ({"docs": [], "totalDocs": 70, "hasNextPage": True}, 1, "yet says hasNextPage; totalDocs 70 means 3"),
        ({"docs": [], "totalDocs": 7, "hasNextPage": False}, 1, "totalDocs 7 means 3"),
        ({"docs": docs(2), "totalDocs": 7, "hasNextPage": False}, 3, "totalDocs 7 means 1"),
        ({"docs": docs(3), "totalDocs": 9, "hasNextPage": False}, 1, "contradicts totalDocs"),
        ({"docs": docs(4), "totalDocs": 9, "hasNextPage": True}, 1, "more than the 3"),
        ("<html>502</html>", 1, "not JSON"),
    ],
)
def test_pages_that_contradict_themselves_are_refused(body, page, complaint):
    with pytest.raises(envelope.MalformedBody, match=complaint):
        envelope.check_page(reply(body, page=page))


def test_a_record_nested_too_deep_is_set_aside_and_the_others_read():
    deep = "[" * 50_000 + '"x"' + "]" * 50_000
    text = (
        '{"docs": [{"_id": "a", "n": 1}, {"_id": "b", "createTime": 5, "customFields": ' + deep + '},'
        ' {"_id": "c, \\"quoted\\" ]}", "s": "[{"}], "totalDocs": 3, "hasNextPage": false}'
    )
    page = envelope.body(reply(text))
    first, second, third = page["docs"]
    assert first == {"_id": "a", "n": 1} and third == {"_id": 'c, "quoted" ]}', "s": "[{"}
    assert isinstance(second, QuarantinedDoc) and second == {"_id": "b", "createTime": 5}
    assert second.raw.startswith('{"_id": "b"') and len(second.raw) > 100_000 and "nested deeper" in second.reason
    envelope.check_page(reply(text))


# -- the fast decoder (msgspec) reads exactly what the careful one (response.json()) reads ------

PLAIN_DOCS = (
    '{"_id": "a", "createTime": 1796134208831, "duration": 60, "direction": "outbound", "answerTime": null,'
    ' "fromUser": {"_id": "u", "name": "LAM ĐỨC QUYỀN", "group": {"_id": "g", "name": "Telesale Đà Nẵng"}},'
    ' "fromGroup": "{\'_id\': \'g\', \'name\': \'CSKH\'}", "isDeleted": false, "emoji": "\\ud83d\\ude00 \\u00e9"},'
    ' {"_id": "b", "createTime": "1796122494225", "chargeTime": 1796122514159.0, "endTime": -0, "n": 1e2,'
    ' "big": 9223372036854775807, "tiny": 5e-324, "tags": ["x", 1, 2.5, null, true, {"k": [[[]]]}], "dup": 1, "dup": 2}'
)
ODD_DOCS = {  # each one makes the fast path step aside; the careful path decides as before
    "number beyond a double": '{"_id": "c", "createTime": 5, "duration": 1e400}',
    "NaN": '{"_id": "c", "createTime": 5, "duration": NaN}',
    "lone surrogate": '{"_id": "c", "createTime": 5, "name": "b\\ud800d"}',
    "nested too deep": '{"_id": "c", "createTime": 5, "meta": ' + "[" * 5_000 + "]" * 5_000 + "}",
    "nested just past the fast bound": '{"_id": "c", "createTime": 5, "meta": ' + "[" * 8 + "]" * 8 + "}",
    "a digit string Python refuses": '{"_id": "c", "createTime": 5, "n": ' + "1" * 5_000 + "}",
    "raw control character": '{"_id": "c", "createTime": 5, "name": "a\tb"}',
}


def page_text(docs_text: str) -> str:
    return '{"docs": [' + docs_text + '], "hasNextPage": false, "totalDocs": 3}'


def raw_reply(content: bytes, content_type: str | None = "application/json; charset=utf-8") -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = content
    if content_type is not None:
        response.headers["Content-Type"] = content_type
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
    response.request = requests.Request("GET", "http://api/call?page=1&pageSize=3").prepare()
    return response


def typed(value):
    """A value with the type of every part spelled out (1, 1.0 and True differ; so do a plain
    dict and a QuarantinedDoc, whose raw text and reason count too)."""
    if isinstance(value, QuarantinedDoc):
        return ("QuarantinedDoc", typed(dict(value)), value.raw, value.reason)
    if isinstance(value, dict):
        return ("dict", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, repr(value))


def careful(response: requests.Response):
    try:
        return typed(envelope.careful_decode(response))
    except envelope.MalformedBody as exc:
        return ("MalformedBody", str(exc))


def test_a_plain_page_takes_the_fast_path_and_reads_as_the_careful_path_reads_it():
    for content_type in ("application/json; charset=utf-8", "application/json", "text/json; charset=UTF8", None):
        response = raw_reply(page_text(PLAIN_DOCS).encode(), content_type)
        fast = envelope.fast_decode(response)
        assert fast is not None, content_type
        assert typed(fast) == careful(raw_reply(page_text(PLAIN_DOCS).encode(), content_type)), content_type
        assert typed(envelope.body(response)) == typed(fast)


@pytest.mark.parametrize("odd", sorted(ODD_DOCS))
def test_a_page_with_an_odd_document_is_read_by_the_careful_path_exactly_as_before(odd):
    content = page_text(PLAIN_DOCS + ", " + ODD_DOCS[odd]).encode()
    assert envelope.fast_decode(raw_reply(content)) is None
    try:
        got = typed(envelope.body(raw_reply(content)))
    except envelope.MalformedBody as exc:
        got = ("MalformedBody", str(exc))
    assert got == careful(raw_reply(content))
    if odd in ("number beyond a double", "lone surrogate", "nested too deep"):
        assert got[0] == "dict"  # read: the record is quarantined later (test_quarantine.py)


def test_integers_beyond_64_bits_read_alike_on_the_fast_path():
    content = page_text(PLAIN_DOCS + ', {"_id": "c", "createTime": 5, "n": ' + str(10**40) + ', "m": -9223372036854775809}')
    fast = envelope.fast_decode(raw_reply(content.encode()))
    assert fast is not None and fast["docs"][-1]["n"] == 10**40  # exact: quarantined later
    assert typed(fast) == careful(raw_reply(content.encode()))


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ("\ufeff" + page_text(PLAIN_DOCS), "application/json; charset=utf-8"),  # a BOM
        (page_text(PLAIN_DOCS), "application/json; charset=iso-8859-1"),  # another charset
        (page_text(PLAIN_DOCS), "text/json"),  # text/* without charset: ISO-8859-1 for requests
    ],
)
def test_a_body_not_read_as_plain_utf8_is_left_to_the_careful_path(content, content_type):
    response = raw_reply(content.encode(), content_type)
    assert envelope.fast_decode(response) is None
    assert typed(envelope.body(response)) == careful(raw_reply(content.encode(), content_type))


def test_invalid_utf8_is_left_to_the_careful_path():
    content = page_text(PLAIN_DOCS).encode().replace("Đà".encode(), b"\xff\xfe")
    assert envelope.fast_decode(raw_reply(content)) is None
    assert typed(envelope.body(raw_reply(content))) == careful(raw_reply(content))
