"""Owned by the mongo part of the harness (see tests/conftest.py)."""
