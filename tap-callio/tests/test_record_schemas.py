"""Every record the tap emits validates against the schema it announced for its stream.

The tap switches off the SDK's type-conformance pass (a third of its CPU: bench/README.md),
because records.py already builds each record with exactly the schema's fields and types. This
test is what makes that safe: a field of the wrong type, or one the schema does not declare,
fails here, on the simulator's quirky data (numeric strings, nested values as text, extra fields).
"""

from __future__ import annotations

from jsonschema import Draft7Validator

from conftest import base_config, run_tap


def strict(schema: dict) -> dict:
    """The schema with no field allowed beyond those declared, at every level. The schemas
    themselves allow more (additionalProperties open), because a target that flattens a null
    nested object keeps its name as a column (README, "What the tap flattens")."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    tightened = {key: strict(value) for key, value in schema.items()}
    if "properties" in schema:
        tightened["additionalProperties"] = False
    return tightened


def test_every_emitted_record_matches_its_stream_schema(small_sim):
    run = run_tap(base_config(small_sim))
    assert run.returncode == 0, run.stderr[-2000:]
    validators = {}
    for message in run.messages:
        if message["type"] == "SCHEMA":
            validators[message["stream"]] = Draft7Validator(strict(message["schema"]))
    checked: dict[str, int] = {}
    for message in run.messages:
        if message["type"] != "RECORD":
            continue
        stream = message["stream"]
        errors = [e.message for e in validators[stream].iter_errors(message["record"])]
        assert not errors, f"{stream} record {message['record'].get('_id')}: {errors[:3]}"
        checked[stream] = checked.get(stream, 0) + 1
    assert set(checked) == {"customers", "calls", "staff", "groups", "sync_log"}, checked
