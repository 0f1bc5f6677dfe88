"""Dagster as the engine of the Callio pipeline (README.md beside this file).

A code location that runs in a virtualenv of its own (``.venv-dagster``) and drives the project
only through its commands, as subprocesses of the project's ``.venv``: the job runner for every
step, ``orchestrate.facts`` for what the project declares, Meltano's dbt plugin for the manifest.
"""
