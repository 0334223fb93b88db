"""Owned by the redis part of the harness (see tests/conftest.py)."""
