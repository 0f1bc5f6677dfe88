"""The code location: ``dagster ... -m orchestrate_dagster.definitions`` (scripts/dagster.sh).

Importing it builds the definitions (orchestrate_dagster/code_location.py): one call of the
project's ``python -m orchestrate.facts``, and a dbt parse when the manifest is out of date.
"""

from orchestrate_dagster.code_location import build_definitions

defs = build_definitions()
