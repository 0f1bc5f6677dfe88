"""Faults at the edges: 200 replies that are not pages, poisoned records, error texts echoing
credentials, replies dripping byte by byte, a skewed clock (Date header) and late calls."""

import email.utils
import json
import socket
import time
import urllib.parse

import pytest
import requests

from callio_sim.faults import DEEP_NESTING_LEVELS, HUGE_TEXT_CHARS
from callio_sim.testing import running_simulator

from .conftest import api, login


def _page(sim, tenant="PK", path="/call", **params):
    return api(sim, tenant, path, pageSize=20, **params)


def test_bad_page_error_object_is_a_200_without_envelope(fresh_sim):
    fresh_sim.set_faults([{"fault": "bad_page", "shape": "error_object", "endpoints": ["/call"], "times": 1}])
    bad, good = _page(fresh_sim), _page(fresh_sim)
    assert bad.status_code == 200 and "docs" not in bad.json() and "message" in bad.json()
    assert good.status_code == 200 and len(good.json()["docs"]) == 20


@pytest.mark.parametrize("shape", ["empty_with_next", "docs_dropped", "count_mismatch"])
def test_bad_page_shapes_contradict_themselves(fresh_sim, shape):
    real = _page(fresh_sim).json()
    fresh_sim.set_faults([{"fault": "bad_page", "shape": shape, "endpoints": ["/call"], "times": 1}])
    body = _page(fresh_sim).json()
    assert body["totalDocs"] == real["totalDocs"] > 20
    if shape == "empty_with_next":
        assert body["docs"] == [] and body["hasNextPage"] is True
    elif shape == "docs_dropped":
        assert body["docs"] == [] and body["hasNextPage"] == real["hasNextPage"]
    else:
        assert len(body["docs"]) == 10 and body["hasNextPage"] is True
    assert fresh_sim.faults()[0]["fired"] == 1


def test_poison_values_reach_only_the_named_records_on_every_reply(fresh_sim):
    docs = _page(fresh_sim, "PK", "/customer", sort="createTimeDESC").json()["docs"]
    ids = [d["_id"] for d in docs[:6]]
    values = ["huge_text", "lone_surrogate", "deep_nesting", "int_2_63_plus_5", "int_10_40", "float_1_5e300"]
    fresh_sim.set_faults([{"fault": "poison", "endpoints": ["/customer"], "ids": [i], "value": v}
                          for i, v in zip(ids, values)])
    for _ in range(2):  # a poisoned record stays poisoned
        raw = _page(fresh_sim, "PK", "/customer", sort="createTimeDESC").content
        assert b'"Nguy\\ud800n"' in raw
        assert b"[" * DEEP_NESTING_LEVELS in raw
        # the deep value defeats a recursive JSON decoder; cut it out to read the rest
        start = raw.index(b"[" * 1000)
        end = raw.rindex(b"]" * 1000) + 1000
        body = json.loads(raw[:start] + b'"cut"' + raw[end:])
    by_id = {d["_id"]: d for d in body["docs"]}
    assert len(by_id[ids[0]]["name"]) == HUGE_TEXT_CHARS
    assert by_id[ids[1]]["name"] == "Nguy\ud800n"
    assert by_id[ids[2]]["customFields"] == [{"key": "tinh-trang-kh", "val": "cut"}]
    assert by_id[ids[3]]["assignedTime"] == 2**63 + 5
    assert by_id[ids[4]]["assignedTime"] == 10**40
    assert by_id[ids[5]]["assignedTime"] == 1.5e300
    clean = {d["_id"]: d for d in docs[6:]}
    assert {i: by_id[i] for i in clean} == clean
    fresh_sim.set_faults([{"fault": "poison", "endpoints": ["/call"], "ids": ["x"], "field": "duration",
                           "value": "int_10_40"}])
    assert _page(fresh_sim).json()["docs"]  # no named record on the page: unchanged


def test_poison_rule_needs_ids(fresh_sim):
    with pytest.raises(Exception, match="400"):
        fresh_sim.set_faults([{"fault": "poison", "value": "huge_text"}])


def test_echo_credentials_quotes_the_token_and_the_login_password(fresh_sim):
    fresh_sim.set_faults([{"fault": "echo_credentials", "status": 500, "endpoints": ["/call", "/auth/login"],
                           "times": 2}])
    account = fresh_sim.account("HN")
    reply = requests.get(fresh_sim.url + "/call", headers={"token": account["token"]}, timeout=10)
    assert reply.status_code == 500 and account["token"] in reply.text
    login_reply = requests.post(fresh_sim.url + "/auth/login",
                                json={"email": account["email"], "password": account["password"]}, timeout=10)
    assert login_reply.status_code == 500 and account["password"] in login_reply.text
    assert login(fresh_sim, "HN")  # times: 2 used up


def test_drip_sends_the_whole_reply_a_byte_at_a_time(fresh_sim):
    fresh_sim.set_faults([{"fault": "drip", "delay": 0.05, "chunk": 1, "endpoints": ["/user-group"], "times": 1}])
    url = urllib.parse.urlsplit(fresh_sim.url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as conn:
        token = fresh_sim.account("PK")["token"]
        conn.sendall(f"GET /user-group HTTP/1.1\r\nHost: x\r\ntoken: {token}\r\n\r\n".encode())
        pieces = [conn.recv(1024) for _ in range(5)]
    assert [len(p) for p in pieces] == [1] * 5  # every read gets one byte: no read ever times out
    assert b"".join(pieces) == b"HTTP/"


def test_date_header_follows_the_skewed_clock():
    for skew in (-600, 600):
        with running_simulator(tenants="PK", customers=10, calls=10, clock_skew_s=skew) as sim:
            reply = api(sim, "PK", "/user")
            served = email.utils.parsedate_to_datetime(reply.headers["Date"]).timestamp()
            assert abs(served - (time.time() + skew)) < 30
            assert abs(sim.now() / 1000 - (time.time() + skew)) < 30


def test_late_calls_with_their_own_lateness(fresh_sim):
    before = fresh_sim.now()
    ids = fresh_sim.mutate("PK", late_calls=3, late_minutes=600)["late_calls"]
    late = {c["_id"]: c["createTime"] for c in fresh_sim.truth("PK", "calls") if c["_id"] in ids}
    assert len(late) == 3
    assert all(before - 601 * 60_000 <= t <= before - 599 * 60_000 for t in late.values())


def test_unusable_records_and_long_text(fresh_sim):
    docs = _page(fresh_sim, sort="createTimeDESC").json()["docs"]
    ids = [d["_id"] for d in docs[:4]]
    fresh_sim.set_faults([{"fault": "poison", "endpoints": ["/call"], "ids": [i], "value": v}
                          for i, v in zip(ids, ["no_id", "bad_time", "not_object", "long_text"])])
    served = _page(fresh_sim, sort="createTimeDESC").json()["docs"]
    assert "_id" not in served[0] and "id" not in served[0] and served[0]["startTime"] == docs[0]["startTime"]
    assert served[1]["createTime"] == "yesterday"
    assert served[2] == f"not an object ({ids[2]})"
    assert served[3]["hangupCause"] == "L" * 100_000
    assert served[4:] == docs[4:]
