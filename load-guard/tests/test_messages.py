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


ODD_RECORD_LINES = [
    # (raw record JSON text, why it is odd): each must reach the target with the same values
    ('{"tenant":"PK","_id":"1","n":123456789012345678901234567890}', "integer above 64 bits"),
    ('{"tenant":"PK","_id":"2","n":-9223372036854775809}', "integer below int64"),
    ('{"tenant":"PK","_id":"3","x":NaN,"y":Infinity}', "NaN and Infinity"),
    ('{"tenant":"PK","_id":"4","x":1e400}', "a float beyond double"),
    ('{"tenant":"PK","_id":"5","s":"\\ud800 lone"}', "a lone surrogate"),
    ('{"tenant":"PK","_id":"7","s":"Khách \\u2028 \\u0000","f":0.1,"g":-0.0,"h":5e-324}', "plain"),
]


def test_every_value_reaches_the_target_as_the_tap_wrote_it():
    # Normal lines go through msgspec, odd ones through json (messages.py); either way the
    # target must parse the very values the tap sent, plus the load id.
    rewriter = SingerRewriter(LOAD_ID)
    for record_text, why in ODD_RECORD_LINES:
        line = ('{"type":"RECORD","stream":"calls","record":' + record_text + "}\n").encode()
        out = rewriter.rewrite(line)
        sent, received = json.loads(line)["record"], json.loads(out)["record"]
        assert received.pop("_load_id") == LOAD_ID, why
        assert repr(received) == repr(sent), why  # repr: NaN != NaN, and -0.0 == 0.0
        assert out.endswith(b"\n") and out.count(b"\n") == 1, why
    assert rewriter.sent[("calls", "PK")] == len(ODD_RECORD_LINES)


def test_a_line_that_is_not_json_passes_unchanged():
    rewriter = SingerRewriter(LOAD_ID)
    for line in (b'{"type":"RECORD","stream":"calls","record":{"tenant":"PK"\n',
                 b'{"type":"RECORD","stream":"calls","record":{"s":"\xff"}}\n',
                 b'{"type":"RECORD","stream":"calls","record":{"s":"raw\ttab"}}\n'):
        assert rewriter.rewrite(line) is line
    assert not rewriter.sent
