"""Owned by the scrapyd part of the harness (see tests/conftest.py)."""
