"""The tap's writer (tap.PageWriter) writes stdout once per page of records, not once per record:
records wait in the writer, and any other message (STATE above all) goes out at once, after every
record written before it (fast, no server)."""

from __future__ import annotations

import io
import json

import pytest
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage

from tap_callio.tap import PENDING_BYTES, PageWriter


class Pipe(io.RawIOBase):
    """What reaches the reader, one chunk per system call."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in b"".join(self.chunks).splitlines()]


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "PYTHONUNBUFFERED"])
def test_records_wait_for_the_page_end_and_a_state_takes_them_out_first(monkeypatch, buffered):
    pipe = Pipe()
    binary = io.BufferedWriter(pipe, buffer_size=1 << 16) if buffered else pipe
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(binary, write_through=not buffered))
    writer = PageWriter()
    writer.write_message(SchemaMessage("calls", {"type": "object"}, ["_id"]))
    assert [m["type"] for m in pipe.lines()] == ["SCHEMA"]  # at once
    for i in range(3):
        writer.write_message(RecordMessage("calls", {"_id": str(i)}))
    assert len(pipe.lines()) == 1  # the records wait for the end of the page
    writer.write_message(StateMessage({"bookmarks": {"calls": {"replication_key_value": 2}}}))
    assert [m["type"] for m in pipe.lines()] == ["SCHEMA", "RECORD", "RECORD", "RECORD", "STATE"]
    writer.write_message(RecordMessage("calls", {"_id": "3"}))
    writer.flush()  # what CallioStream.get_records calls once the SDK has written a page
    assert pipe.lines()[-1]["record"] == {"_id": "3"}
    assert len(pipe.chunks) == (3 if buffered else 4)  # a system call per flush, not per record


def test_a_page_of_long_records_is_written_as_it_grows(monkeypatch):
    pipe = Pipe()
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(pipe, write_through=True))
    writer = PageWriter()
    long_text = "x" * (PENDING_BYTES // 4)
    for i in range(8):
        writer.write_message(RecordMessage("customers", {"_id": str(i), "name": long_text}))
    assert 1 <= len(pipe.chunks) <= 2  # not one per record, and never much over PENDING_BYTES held
    writer.flush()
    assert [m["record"]["_id"] for m in pipe.lines()] == [str(i) for i in range(8)]
