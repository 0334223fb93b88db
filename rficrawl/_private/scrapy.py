"""Scrapy internals the shared frontier's scheduler relies on.

A leased request must stay leased until Scrapy has finished with it: downloaded, its callback's
requests scheduled and its items through the item pipelines. Scrapy tells a scheduler when it
hands a request out (``next_request``) but sends no signal when it is done with one. The engine
knows, from two sets: the downloader's active requests and the scraper slot's (a response's
request stays there until its callback's output is handled, items included); it consults them
itself to decide that a spider is idle. :func:`requests_in_progress` reads them.

A scheduler that has found work while the engine waits has no public way to say so: the engine
asks again only after a download or at its 5-second heartbeat. :func:`wake` schedules the engine's
next round, as ``engine.crawl()`` does after queueing a request.

:func:`check` runs when the frontier opens, so that a Scrapy without these fails at once with a
clear message; tests/private checks that they still behave as described.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.core.engine import ExecutionEngine

PINNED = "Scrapy 2.19"


def check(engine: ExecutionEngine) -> None:
    """Fail clearly when this Scrapy lacks what :func:`requests_in_progress` and :func:`wake`
    use."""
    active = getattr(engine.downloader, "active", None)
    nextcall = getattr(getattr(engine, "_slot", None), "nextcall", None)
    missing = [
        name
        for name, present in (
            ("engine.downloader.active", isinstance(active, set)),
            ("engine.scraper.slot", hasattr(engine.scraper, "slot")),
            ("engine._slot.nextcall", callable(getattr(nextcall, "schedule", None))),
        )
        if not present
    ]
    if missing:
        raise RuntimeError(
            f"this Scrapy has no {', '.join(missing)}, which the shared frontier uses to know when "
            f"a request is handled and to wake the engine (rficrawl/_private/scrapy.py); pin "
            f"{PINNED}"
        )


def requests_in_progress(engine: ExecutionEngine) -> set[Request]:
    """Requests Scrapy still works on: downloading, or being scraped (callback output and item
    pipelines). The same sets ``engine.spider_is_idle()`` consults."""
    busy: set[Request] = set(engine.downloader.active)
    slot = engine.scraper.slot
    if slot is not None:
        busy.update(slot.active)
    return busy


def wake(engine: ExecutionEngine) -> None:
    """Have the engine ask the scheduler for requests on the next turn of the event loop."""
    engine._slot.nextcall.schedule()
