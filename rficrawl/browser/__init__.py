"""The browser part: scrapy-playwright with the system Chromium, used only where a page needs it.

Most of rfi.fr is rendered on the server, so every request goes through Scrapy's plain HTTP
downloader unless one of these downloader middlewares decides, from the plain response, that a
browser is needed:

- ``liveblog.LiveBlogMiddleware``: live blogs, whose posts arrive by script; rendered and expanded.
- ``loadmore.LoadMoreMiddleware``: lists with a "load more" control or infinite scroll; expanded.
- ``escalation.EscalationMiddleware``: blocked pages (403/429, challenge pages, articles without
  their body) are fetched once more through the browser.
- ``always.RenderKindsMiddleware``: kinds of pages sent straight to the browser (off by default).

They share ``render.BrowserMiddleware`` (one browser fetch, with the page actions of
``actions``); ``handler.BrowserDownloadHandler`` runs the browser requests, ``chromium`` finds and
configures the browser, and ``addon.BrowserAddon`` (a Scrapy add-on, switched by
``RFICRAWL_BROWSER_ENABLED``) installs all of them with their settings' defaults. What the browser
does not download is ``blocking``'s rule; how an escalated page waits for a bot wall's challenge
and hands its cookies to Scrapy is ``challenge``; the document a page ended on is ``navigation``'s.
"""

#: Prefix of the browser part's crawl stats (scrapy-playwright's own are under "playwright/").
STATS = "rficrawl/browser"
