"""Reading a paginated list: its articles, then its next page, until a stop rule says enough.

RFI's lists (section fronts, tags, podcasts, archive days) continue at ``{list-url}{N}/``, linked
from the pager. Only the next page is followed, one at a time, so that paging can stop as soon as
it is pointless: ``max_pages`` reached, ``max_articles`` spent, a whole page older than ``since``,
or (incremental mode) a whole page of articles the store already holds.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Request, Response

from rficrawl import urls
from rficrawl.spiders.base import STAT
from rficrawl.store.known import KnownArticlesMiddleware


class PagingMixin:
    """For RfiSpider subclasses; ``max_pages`` comes from ``-a max_pages``, for the spiders whose
    arguments have it (None: no limit)."""

    @property
    def max_pages(self) -> int | None:
        return getattr(self.args, "max_pages", None)

    async def listing_requests(self, response: Response, listing: Any) -> list[Request]:
        """Requests for a listing page's articles and, unless a stop rule holds, its next page."""
        entries = [(entry.url, entry.published_at) for entry in listing.articles]
        requests = list(self.article_requests(entries))
        page = listing.page
        next_url = listing.next_page
        if next_url is None:
            return requests
        if self.max_pages is not None and page >= self.max_pages:
            self.crawler.stats.inc_value(f"{STAT}/paging_stopped/max_pages")
        elif self.budget_spent():
            self.crawler.stats.inc_value(f"{STAT}/paging_stopped/max_articles")
        elif self._page_older_than_since(entries):
            self.crawler.stats.inc_value(f"{STAT}/paging_stopped/since")
        elif await self._page_all_known(entries):
            self.crawler.stats.inc_value(f"{STAT}/paging_stopped/all_known")
        else:
            requests.append(
                self.page_request(next_url, response.request.callback)
            )
        return requests

    def _page_older_than_since(self, entries: list[tuple[str, Any]]) -> bool:
        since = self.dates.since
        if since is None or not entries:
            return False
        dates = [date for _, date in entries]
        return all(date is not None and date < since for date in dates)

    async def _page_all_known(self, entries: list[tuple[str, Any]]) -> bool:
        """Incremental mode: every article on the page is already in the store."""
        if self.refresh == "all":
            return False
        articles = [
            urls.to_public(url, self.base_url)
            for url, _ in entries
            if urls.classify(url, self.base_url).is_article
        ]
        if not articles:
            return False
        store = self.crawler.get_downloader_middleware(KnownArticlesMiddleware)
        if store is None:  # no store configured (-s MONGO_URI=): nothing is known
            return False
        known = await store.articles.known(articles)
        return set(articles) <= set(known)

