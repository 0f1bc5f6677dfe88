"""Run Meltano jobs without Airflow: a job runner, a small scheduling daemon, and the commands
an operator needs around them (see orchestrate/README.md).

- ``python -m orchestrate.run_job <job>``: checks the configuration, then runs every task of a
  job from meltano.yml, one ``meltano run`` per task, and keeps going after a failed task so that
  the final dbt step always refreshes the report; exits non-zero if any task failed.
- ``python -m orchestrate.daemon``: runs the schedules at their UTC slots.
- ``python -m orchestrate.crontab`` / ``orchestrate.schtasks``: the same slots as crontab lines or
  Windows Task Scheduler commands, in the machine's local time.
- ``python -m orchestrate.preflight``, ``orchestrate.runs``, ``orchestrate.state``: configuration
  check, recent runs, bookmarks.
"""
