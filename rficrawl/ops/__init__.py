"""Operations: what an operator runs beside the crawls, never part of one.

``mongo`` finds or starts a MongoDB-wire server on 127.0.0.1 (``rficrawl mongo serve``, the
README's run command, the tests' and benches' store); ``ferretdb`` finds the FerretDB launcher
and builds it from a checkout when asked (``rficrawl mongo build``, ``scripts/setup.sh``);
``process`` holds the free ports and readiness waits that every started server shares.

Storage (``rficrawl.store``) and the crawl path import nothing from here: a crawl only needs a URI
(tests/test_layout.py checks the import graph).
"""
