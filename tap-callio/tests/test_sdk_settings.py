"""Every setting the SDK itself defines for this tap is accepted and works; a misspelt one is
refused; what `--about` advertises is what works (no `batch`); SDK flattening works at every
depth and separator, because the tap emits nested objects and flattens nothing itself."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tap_callio.settings import CONFIG_SCHEMA

from conftest import base_config, catalog_with, run_tap


def _about() -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tap_callio", "--about", "--format=json"], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


# A working value for each setting the SDK adds to the tap's own (the test below fails when an
# SDK upgrade adds one that is not listed here, so that it gets looked at).
SDK_SETTING_VALUES = {
    "stream_maps": {"groups": {"name_upper": "name.upper() if name else None"}},
    "stream_map_config": {"unused": 1},
    "faker_config": {"seed": 1, "locale": "vi_VN"},
    "flattening_enabled": True,
    "flattening_max_depth": 1,
    "flattening_max_key_length": 255,
    "flattening_separator": "__",
    "emit_activate_version_messages": True,
}


def test_about_lists_exactly_the_sdk_settings_that_are_accepted_and_no_batch():
    about = _about()
    sdk_settings = set(about["settings"]["properties"]) - set(CONFIG_SCHEMA["properties"])
    assert sdk_settings == set(SDK_SETTING_VALUES)
    assert "batch" not in about["capabilities"]
    assert "batch_config" not in about["settings"]["properties"]
    assert {"activate-version", "schema-flattening", "stream-maps", "state", "catalog"} <= set(about["capabilities"])


def test_every_sdk_setting_is_accepted_in_one_run(small_sim):
    run = run_tap(base_config(small_sim, **SDK_SETTING_VALUES), catalog=catalog_with("groups", "staff"))
    assert run.returncode == 0, run.stderr[-2000:]
    groups = run.records("groups")
    assert groups and all(r["name_upper"] == (r["name"].upper() if r["name"] else None) for r in groups)
    assert all("group___id" in r and "group" not in r for r in run.records("staff"))
    assert [m["stream"] for m in run.messages if m["type"] == "ACTIVATE_VERSION"] == ["staff", "groups"]


@pytest.mark.parametrize("misspelt", ["flatening_enabled", "batch_config"])
def test_a_misspelt_or_unsupported_setting_is_refused(misspelt):
    run = run_tap({"api_url": "http://127.0.0.1:9", "accounts": [{"tenant": "PK", "token": "t"}], misspelt: True})
    assert run.returncode == 2
    assert f"unknown setting(s): '{misspelt}'" in run.stderr
    assert "Traceback" not in run.stderr


# depth 1 with "__" runs in test_every_sdk_setting_is_accepted_in_one_run; 0 keeps the objects
@pytest.mark.parametrize(("depth", "separator"), [(2, "__"), (1, "_"), (0, ".")])
def test_sdk_flattening_at_any_depth_and_separator(small_sim, depth, separator):
    config = base_config(
        small_sim, flattening_enabled=True, flattening_max_depth=depth, flattening_separator=separator
    )
    run = run_tap(config, catalog=catalog_with("customers", "calls", "staff"))
    assert run.returncode == 0, run.stderr[-2000:]
    schemas = {m["stream"]: m["schema"]["properties"] for m in run.messages if m["type"] == "SCHEMA"}
    nested = {"customers": ["user"], "calls": ["fromUser", "fromGroup"], "staff": ["group"]}
    for stream, objects in nested.items():
        records = run.records(stream)
        assert records, stream
        for name in objects:
            if depth == 0:  # nothing flattened: the objects stay objects
                assert "object" in schemas[stream][name]["type"]
                continue
            assert name not in schemas[stream]
            assert f"{name}{separator}_id" in schemas[stream]
            for record in records:  # a null object keeps its name (the SDK's flattening does so)
                extra = set(record) - set(schemas[stream])
                assert extra <= set(objects) and all(record[key] is None for key in extra), extra
    if depth:
        with_owner = [r for r in run.records("customers") if r.get(f"user{separator}_id") is not None]
        assert with_owner, "some customer has an owner"
        assert all(isinstance(r["customFields"], (str, type(None))) for r in run.records("customers"))
