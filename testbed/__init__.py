"""The offline test bed: a local mirror of rfi.fr, its builder, and the servers tests and benches start.

Development only: it lives beside the ``rficrawl`` package, not in it, so neither a wheel nor a
scrapyd egg carries it. Tests, bench/ and ``make demo`` share it (from a checkout: the repository
root is on ``sys.path`` for pytest, ``python -m testbed`` and the bench scripts).

- ``server``: ``MirrorServer``, the mirror served on 127.0.0.1 with the site's behaviours;
- ``build``: ``build_mirror`` writes the mirror the tests crawl, and says what it holds;
- ``captures``: the real captures in ../shared/fixtures/rfi;
- ``pages/``: the hand-written pages (each says what it was modelled on);
- ``mongo``: the MongoDB-wire server of tests and benches (builds the FerretDB launcher first);
- ``redis``: a redis-server of their own;
- ``__main__``: ``python -m testbed build DIR`` and ``python -m testbed serve DIR``.
"""
