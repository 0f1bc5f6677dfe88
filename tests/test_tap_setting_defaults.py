"""Each tap setting's default has one home, the tap's settings schema (`tap-callio --about`);
Meltano's plugin definition must repeat it (Meltano shows and passes its own `value`), so this
keeps the copy equal."""

from __future__ import annotations

import json
import subprocess

import yaml

from conftest import PROJECT_ROOT


def test_meltano_defaults_equal_the_tap_schema():
    about = subprocess.run([str(PROJECT_ROOT / ".venv-tap" / "bin" / "tap-callio"), "--about", "--format=json"],
                           capture_output=True, text=True, check=True)
    schema = json.loads(about.stdout)["settings"]["properties"]
    extract = yaml.safe_load((PROJECT_ROOT / "meltano" / "extract.meltano.yml").read_text())
    plugin = next(p for p in extract["plugins"]["extractors"] if p["name"] == "tap-callio")
    differences = []
    for setting in plugin["settings"]:
        if "value" not in setting:
            continue
        default = schema.get(setting["name"], {}).get("default")
        if default != setting["value"]:
            differences.append(f"{setting['name']}: Meltano {setting['value']!r}, tap schema {default!r}")
    assert not differences, "\n".join(differences)
