"""What the guard changes in the Singer stream, and what it counts."""

import json

from callio_load_guard.messages import SingerRewriter

LOAD_ID = "0f0f0f0f-1111-2222-3333-444444444444"


def rewrite(rewriter, message):
    return json.loads(rewriter.rewrite((json.dumps(message) + "\n").encode()))


def test_schema_becomes_append_only_with_a_nullable_load_id():
    rewriter = SingerRewriter(LOAD_ID)
    out = rewrite(rewriter, {"type": "SCHEMA", "stream": "calls",
                             "key_properties": ["tenant", "_id"],
                             "schema": {"properties": {"tenant": {"type": "string"}}},
                             "bookmark_properties": ["createTime"]})
    assert out["key_properties"] == []
    assert out["schema"]["properties"]["_load_id"] == {"type": ["null", "string"]}
    assert out["schema"]["properties"]["tenant"] == {"type": "string"}
    assert out["bookmark_properties"] == ["createTime"]
    assert rewriter.stream_has_tenant == {"calls": True}


def test_records_are_tagged_and_counted_per_stream_and_tenant():
    rewriter = SingerRewriter(LOAD_ID)
    records = [("calls", {"tenant": "PK", "_id": "1"}), ("calls", {"tenant": "PK", "_id": "2"}),
               ("calls", {"tenant": "HN", "_id": "3"}), ("sync_log", {"run_id": "r"}),
               ("sync_log", {"tenant": "", "run_id": "r"})]
    for stream, record in records:
        out = rewrite(rewriter, {"type": "RECORD", "stream": stream, "record": record})
        assert out["record"]["_load_id"] == LOAD_ID
        assert {k: v for k, v in out["record"].items() if k != "_load_id"} == record
    assert dict(rewriter.sent) == {("calls", "PK"): 2, ("calls", "HN"): 1, ("sync_log", None): 2}


def test_other_lines_pass_byte_for_byte():
    rewriter = SingerRewriter(LOAD_ID)
    lines = [b'{"type": "STATE", "value": {"bookmarks": {"calls": {"x": "RECORD"}}}}\n',
             b'{"type":"ACTIVATE_VERSION","stream":"calls","version":1}\n',
             b'not json at all "RECORD"\n']
    for line in lines:
        assert rewriter.rewrite(line) is line
    assert not rewriter.sent


def test_non_ascii_survives():
    rewriter = SingerRewriter(LOAD_ID)
    out = rewrite(rewriter, {"type": "RECORD", "stream": "customers",
                             "record": {"tenant": "PK", "name": "Khách hàng có nhu cầu"}})
    assert out["record"]["name"] == "Khách hàng có nhu cầu"
