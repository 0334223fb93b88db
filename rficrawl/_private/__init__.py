"""The internals of rficrawl's dependencies that it cannot avoid, one module per dependency.

Everything else in rficrawl uses public APIs only. Each module here says what it touches and why
no public API does it; tests/private checks that what it touches still exists and behaves, so an
upgrade of the dependency fails there, with the module's name, rather than deep in a crawl.
"""
