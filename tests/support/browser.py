"""Owned by the browser part of the harness (see tests/conftest.py)."""
