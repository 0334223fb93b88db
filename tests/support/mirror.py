"""Owned by the mirror part of the harness (see tests/conftest.py)."""
