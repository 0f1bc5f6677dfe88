"""Console script ``callio-target-duckdb``: a Singer target (``--config FILE``, messages on
stdin, STATE on stdout). Refusals are one line on stderr: exit 2 for a setting, 1 for a stream
that cannot land."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from .config import IGNORED_SETTINGS, load_config
from .errors import ConfigError, LoadError
from .loader import Loader

EXIT_LOAD = 1
EXIT_CONFIG = 2

ABOUT = {
    "name": "callio-target-duckdb",
    "description": "Lands Singer streams in DuckDB with DuckDB's JSON reader, typed from SCHEMA.",
    "capabilities": ["schema-flattening"],
    "settings": ["filepath", "default_target_schema", "schema_mapping", "database",
                 "add_metadata_columns", "batch_size_rows", "settings", "flattening_enabled",
                 "flattening_max_depth"],
    "ignored_settings": sorted(IGNORED_SETTINGS),
}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="callio-target-duckdb", description=ABOUT["description"])
    parser.add_argument("-c", "--config", help="the loader's JSON config file")
    parser.add_argument("--about", action="store_true", help="print what the loader reads, as JSON")
    parser.add_argument("--format", default="json", help=argparse.SUPPRESS)  # Meltano's --about
    args = parser.parse_args(argv)
    if args.about:
        print(json.dumps(ABOUT, indent=2))
        return
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s callio-target-duckdb: %(message)s")
    if not args.config:
        print("callio-target-duckdb: --config FILE is required", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    try:
        with open(args.config, encoding="utf-8") as handle:
            raw = json.load(handle)
        if not isinstance(raw, dict):
            raise ConfigError("the config file does not hold a JSON object")
        config = load_config(raw)
    except (OSError, ValueError) as problem:  # only the class: a JSON error quotes the file
        print(f"callio-target-duckdb: cannot read the config file ({type(problem).__name__})",
              file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except ConfigError as problem:
        print(f"callio-target-duckdb: {problem}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    try:
        loaded = Loader(config, raw).run(sys.stdin.buffer)
    except ConfigError as problem:
        print(f"callio-target-duckdb: {problem}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except LoadError as problem:
        print(f"callio-target-duckdb: {problem}", file=sys.stderr)
        sys.exit(EXIT_LOAD)
    logging.getLogger("callio_duckdb_loader").info("%d records landed", loaded)
