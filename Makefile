# rficrawl: the README's commands. `make run` crawls the live site into the store; `make test`
# runs the test suite; `make demo` crawls a small local mirror built from the project's test pages.
PY := .venv/bin/python
PYTEST_ARGS ?=
# Test processes (pytest-xdist): the suite mostly waits on crawls and servers, and each process
# starts its own servers on free ports. A file's tests stay in one process (--dist loadfile).
TEST_JOBS ?= 2

.PHONY: setup setup-dev run test demo bench bench-archive lint

setup:
	scripts/setup.sh

setup-dev:
	scripts/setup.sh --dev

run: setup
	scripts/run.sh

test: setup-dev
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadfile $(PYTEST_ARGS)

demo: setup
	scripts/demo.sh

bench: setup-dev
	$(PY) bench/extract.py
	$(PY) bench/listing.py
	$(PY) bench/store.py
	$(PY) bench/crawl.py
	$(PY) bench/browser.py
	$(PY) bench/scale.py
	$(PY) bench/archive.py

# Every query of the store timed on archives of 10k, 100k and 300k articles (minutes).
bench-archive: setup-dev
	$(PY) bench/archive.py

lint: setup-dev
	.venv/bin/ruff check rficrawl testbed tests bench
