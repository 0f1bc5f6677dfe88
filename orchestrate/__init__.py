"""Run Meltano jobs without Airflow: a job runner and a small scheduling daemon.

- ``python -m orchestrate.run_job <job>``: runs every task of a job from meltano.yml, one
  ``meltano run`` per task, and keeps going after a failed task so that the final dbt step
  always refreshes the report; exits non-zero if any task failed.
- ``python -m orchestrate.daemon``: runs the schedules of meltano.yml at their slots.
- ``python -m orchestrate.crontab``: prints the same schedules as crontab lines.
"""
