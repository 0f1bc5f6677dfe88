"""z3-target-bigquery 0.7.2 (batch_job, denormalized) against the emulator, via the launcher."""

from __future__ import annotations

import datetime as dt

from loader_runs import (
    SMALL,
    launcher_command,
    loader_env,
    row_counts,
    run_loader,
    state_lines,
    target_config,
)
from singer_messages import FINAL_STATE, SCHEMAS, expected_counts, records


def _plain(value):
    """BigQuery row values as the JSON the tap sent (timestamps back to ISO text)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _as_stored(value, schema: dict):
    """The value BigQuery keeps for a sent one: it has no NULL arrays, a null array is empty."""
    types = schema.get("type", [])
    if "array" in types:
        return [_as_stored(item, schema.get("items", {})) for item in value or []]
    if isinstance(value, dict) and "properties" in schema:
        return {key: _as_stored(item, schema["properties"].get(key, {})) for key, item in value.items()}
    return value


def test_no_gzip_load_lands_every_row_with_nested_values(landed_raw, bq_client):
    assert row_counts(bq_client, landed_raw) == expected_counts(**SMALL)

    sent: dict[str, dict[tuple, dict]] = {stream: {} for stream in SCHEMAS}
    for stream, record in records(**SMALL):
        key = tuple(record[k] for k in SCHEMAS[stream][1])
        sent[stream][key] = record
    for stream, (schema, key_properties) in SCHEMAS.items():
        fields = list(schema["properties"])
        rows = bq_client.query(f"SELECT {', '.join(f'`{f}`' for f in fields)} "
                               f"FROM `{landed_raw}`.`{stream}`").result()
        landed = {tuple(row[k] for k in key_properties): {f: _plain(row[f]) for f in fields}
                  for row in rows}
        assert landed.keys() == sent[stream].keys(), stream
        for key, record in sent[stream].items():
            # Flattened objects (user__group: group is a SQL keyword), arrays as JSON text and a
            # null object's columns (all NULL) survive the round trip unchanged.
            expected = {field: record.get(field) for field in fields}
            assert landed[key] == _as_stored(expected, schema), (stream, key)


def test_load_table_has_the_flattened_columns(landed_raw, bq_client):
    """The project flattens at depth 1 (meltano/extract.meltano.yml): one plain column per
    member of a nested object, arrays as JSON text; no RECORD or REPEATED columns to unnest."""
    customers = {f.name: f for f in bq_client.get_table(f"{landed_raw}.customers").schema}
    assert {"user___id", "user__name", "user__email", "user__ext", "user__group"} <= set(customers)
    assert "user" not in customers
    assert customers["tags"].field_type == "STRING" and customers["tags"].mode == "NULLABLE"
    assert customers["customFields"].field_type == "STRING"
    assert all(f.field_type != "RECORD" and f.mode != "REPEATED" for f in customers.values())
    assert "_sdc_batched_at" in customers  # metadata columns on (docs/architecture.md)


def test_gzip_upload_fails_silently_exit_0_and_state_but_no_rows(emulator, one_stream_singer_file,
                                                                  bq_client, tmp_path):
    """Upstream bug documented: the load job fails, the target still exits 0 and emits STATE
    (conftest's one_stream_singer_file says why one stream makes this happen every time)."""
    dataset = "raw_gzip_silent_loss"
    config = target_config(tmp_path, emulator, dataset)
    result = run_loader(launcher_command(), config, one_stream_singer_file,
                        loader_env(emulator, gzip=True))

    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert state_lines(result.stdout) == [FINAL_STATE]  # the bookmark would advance...
    counts = row_counts(bq_client, dataset)
    assert set(counts) == {"calls"}  # ...the table was created...
    assert all(n == 0 for n in counts.values()), counts  # ...and not one row landed
