"""Helpers shared by every test suite of the repository (tests/, tests/bigquery, tests/reliability,
tap-callio/tests) and by transform/scripts: one home for the record shape and the ground truth."""
