"""Shared test helpers: real services started on 127.0.0.1 and crawls run as a user runs them."""
