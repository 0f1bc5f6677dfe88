"""The HTML report of fact_staff_daily_PK: `python -m report` (see README.md beside this file)."""
