"""``python -m orchestrate_dagster`` (what scripts/dagster.sh runs): orchestrate_dagster/launch.py."""

import sys

from orchestrate_dagster.launch import main

sys.exit(main())
