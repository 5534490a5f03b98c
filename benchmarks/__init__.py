"""Benchmarks: the stress data set (stress_data.py) and the scripts that time pages and jobs on it.

The scripts run as files (`.venv/bin/python benchmarks/bench.py`; see README.md here); this file makes the folder
the package `benchmarks`, so that `flask demo --scale stress` and the tests can import `benchmarks.stress_data`.
"""
