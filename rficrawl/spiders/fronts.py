"""``scrapy crawl fronts``: the freshest articles, from edition and section fronts and their lists.

Starts at each edition's front (``/cn/``) and its section fronts (from the editions registry), or
at the section fronts and tag lists asked for (``-a sections=中国,国际``, ``-a tags=台海``),
follows every article card and news-feed item, and pages through paginated lists (``{list-url}{N}/``) up to ``-a max_pages`` (default 10). Paging stops early when a
whole page is older than ``since``, or (incremental mode: a store is configured and refresh is not
``all``) when every article on the page is already known.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy.http import Response

from rficrawl.spiders.arguments import FrontsParams
from rficrawl.spiders.base import RfiSpider
from rficrawl.spiders.paging import PagingMixin


class FrontsSpider(PagingMixin, RfiSpider[FrontsParams]):
    name = "fronts"

    def start_paths(self) -> list[str]:
        """Edition fronts and all registry sections; or only the sections and tags asked for."""
        wanted, tags = self.args.sections, self.args.tags
        paths = []
        for edition in self.editions:
            if not (wanted or tags):
                paths.append(edition.front_path())
            paths += [edition.section_path(s) for s in edition.sections
                      if s in wanted or not (wanted or tags)]
            if edition.tag_word:
                paths += [f"/{edition.prefix}/{edition.tag_word}/{tag}/" for tag in tags]
        return paths

    async def start(self) -> AsyncIterator[Any]:
        for path in self.start_paths():
            yield self.page_request(self.site_url(path), self.parse_listing)

    async def parse_listing(self, response: Response) -> AsyncIterator[Any]:
        listing = self.listing(response)
        for request in await self.listing_requests(response, listing):
            yield request
