"""Kept so that `scrapyd-deploy` (which runs `setup.py bdist_egg`) packages this project from
pyproject.toml instead of writing its own setup.py, which would name the egg "project" and pack the
tests too."""

from setuptools import setup

setup()
