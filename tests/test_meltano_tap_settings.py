"""Meltano's definition of tap-callio (meltano/extract.meltano.yml) is a copy of the tap's settings
schema, which is the one home of every default: each setting Meltano declares exists in the tap
(`--about`, SDK settings included) with a compatible kind and the same default, secrets are
sensitive, and every setting of the tap's own is declared (so Meltano lists it and its variable)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from orchestrate.tap_catalog import TAP  # the tap Meltano runs, from its plugin venv

ROOT = Path(__file__).resolve().parent.parent
# Meltano kind -> JSON types it may stand for
KINDS = {
    "string": {"string"}, "password": {"string"}, "integer": {"integer", "number"}, "decimal": {"number"},
    "boolean": {"boolean"}, "object": {"object"}, "array": {"array"}, "options": {"string"},
    "date_iso8601": {"string"},
}


def _tap_settings() -> dict:
    assert TAP.exists(), f"{TAP} missing: meltano install (scripts/test.sh) builds it"
    about = subprocess.run([str(TAP), "--about", "--format=json"], capture_output=True, text=True, check=True)
    return json.loads(about.stdout)["settings"]["properties"]


def _meltano_settings() -> dict:
    extractors = yaml.safe_load((ROOT / "meltano" / "extract.meltano.yml").read_text())["plugins"]["extractors"]
    definition = next(plugin for plugin in extractors if plugin["name"] == "tap-callio")
    return {setting["name"]: setting for setting in definition["settings"]}


def _types(spec: dict) -> set[str]:
    kinds = spec.get("type", [])
    return ({kinds} if isinstance(kinds, str) else set(kinds)) - {"null"}


def test_meltano_definition_equals_the_tap_settings_schema():
    tap, meltano = _tap_settings(), _meltano_settings()
    own = {name for name, spec in tap.items() if not name.startswith(("stream_map", "faker", "flattening", "emit_"))}
    assert own <= set(meltano), f"not declared in meltano/extract.meltano.yml: {sorted(own - set(meltano))}"
    for name, declared in meltano.items():
        assert name in tap, f"meltano declares {name!r}, which the tap does not know"
        spec = tap[name]
        assert KINDS[declared.get("kind", "string")] & _types(spec), f"{name}: kind {declared.get('kind')} vs {spec}"
        assert declared.get("value") == spec.get("default"), f"{name}: default {declared.get('value')!r} in Meltano, " \
                                                              f"{spec.get('default')!r} in the tap"
        if spec.get("secret"):
            assert declared.get("sensitive"), f"{name} is secret in the tap but not sensitive in Meltano"
        if "enum" in spec:
            assert [o["value"] for o in declared.get("options", [])] == list(spec["enum"]), name
