"""The catalog Meltano hands tap-callio: the tap's own discovery, every stream and property
selected, kept in ``meltano/tap-callio.catalog.json``.

Why a file: Meltano runs discovery again before every extract step of an editable plugin (it
caches only installed ones), which starts the tap once more: about 0.4 CPU-s and half a second
per step, three steps in the nightly job, before any record moves. With the extractor's
``catalog`` extra Meltano reads this file instead, and each variant's ``select_filter`` picks its
streams from it (Meltano applies no ``select`` rules to a given catalog, so selection lives
here: everything, as before).

The file must be exactly what discovery says, or a new field would be dropped without a word:
``tests/test_tap_catalog.py`` fails when a schema changed and the file did not. To refresh:

    .venv/bin/python -m orchestrate.tap_catalog --write
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from orchestrate.project_env import PROJECT_ROOT

CATALOG_FILE = PROJECT_ROOT / "meltano" / "tap-callio.catalog.json"
TAP = PROJECT_ROOT / ".meltano" / "extractors" / "tap-callio" / "venv" / "bin" / "tap-callio"


def discovered(tap: Path = TAP) -> dict[str, Any]:
    """The tap's discovery (it needs no settings), with every stream and property selected."""
    if not tap.exists():
        raise SystemExit(f"{tap} missing: run `meltano install` (scripts/setup.sh) first")
    out = subprocess.run([str(tap), "--discover"], capture_output=True, text=True, check=True).stdout
    catalog = json.loads(out)
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            entry["metadata"]["selected"] = True
    return catalog


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {CATALOG_FILE.name}")
    args = parser.parse_args(argv)
    fresh = render(discovered())
    if args.write:
        CATALOG_FILE.write_text(fresh, encoding="utf-8")
        print(f"wrote {CATALOG_FILE.relative_to(PROJECT_ROOT)}")
        return 0
    if CATALOG_FILE.read_text(encoding="utf-8") != fresh:
        print(f"{CATALOG_FILE.relative_to(PROJECT_ROOT)} differs from the tap's discovery: "
              "run `.venv/bin/python -m orchestrate.tap_catalog --write`", file=sys.stderr)
        return 1
    print(f"{CATALOG_FILE.relative_to(PROJECT_ROOT)} matches the tap's discovery")
    return 0


if __name__ == "__main__":
    sys.exit(main())
