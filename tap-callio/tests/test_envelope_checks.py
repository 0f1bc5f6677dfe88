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
