"""Run the tap with ``python -m tap_callio``."""

from tap_callio.tap import main

main()
