"""The real Chromium as the judge of attack pages and of the documents made from them.

``PageServer`` serves pages held in memory on 127.0.0.1 (a free port), each with its own headers.
``Judge`` drives the system Chromium (Playwright, no downloaded browser), with every request
outside 127.0.0.1 failing in the browser's own resolver:

- ``body_texts``: the text that Chromium shows in each attack page's ``div.t-content__body``
  (its text nodes that have a line box: not the raw text an unclosed ``<iframe>`` took in), the
  page parsed as Chromium parses it with scripting on and nothing run (served with
  ``Content-Security-Policy: default-src 'none'``): the reference for "the real paragraphs kept
  wherever Chromium keeps them";
- ``executions``: each document opened as a page may open it, scripts allowed, with
  ``alert``/``confirm``/``prompt``/``print`` hooked, a mutation observer started once the
  document is parsed (a document without script never changes) and, for documents served with
  ``WATCHED``, a report of every script Chromium is about to run; any call, mutation, script or
  dialog is reported with the document's address.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from playwright.sync_api import sync_playwright

from rficrawl.browser.chromium import chromium_path, launch_options
from tests.support.browser import chromium_settings, require_chromium
from tests.support.settings import settings_with_addons

NOTHING_RUNS = "default-src 'none'; connect-src 'self'"
# Headers of a document that ``executions`` opens: a report-only policy that forbids all script
# blocks nothing, but has Chromium fire a ``securitypolicyviolation`` event for each script it
# is about to run (an inline script, an event handler, a javascript: URL).
WATCHED = {"content-security-policy-report-only": "script-src 'none'"}
HOOKS = """(() => {
  const report = (kind, detail) => {
    try { window.__xssReport(location.href, kind, String(detail).slice(0, 120)); } catch (e) {}
  };
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = (...args) => report(name, args[0]);
  }
  document.addEventListener("securitypolicyviolation",
    event => report("script", event.violatedDirective + " " + event.sample));
  document.addEventListener("DOMContentLoaded", () => {
    new MutationObserver(records => report("mutation",
        records[0].type + " " + records[0].target.nodeName))
      .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  });
})();"""
BODY_TEXTS = """async (urls) => {
  const texts = [];
  for (const url of urls) {
    const html = await (await fetch(url)).text();
    const frame = document.createElement("iframe");
    frame.style.width = "1280px";
    frame.style.height = "800px";
    document.body.appendChild(frame);
    const page = frame.contentDocument;
    page.open();
    page.write(html);
    page.close();
    const body = page.querySelector(".t-content__body");
    const shown = [];
    if (body) {
      const walker = page.createTreeWalker(body, NodeFilter.SHOW_TEXT);
      const range = page.createRange();
      while (walker.nextNode()) {
        range.selectNodeContents(walker.currentNode);
        if (range.getClientRects().length > 0) shown.push(walker.currentNode.data);
      }
    }
    texts.push(body ? shown.join("") : null);
    frame.remove();
  }
  return texts;
}"""
# Opens each document of a batch in its own frame of a harness page, waits for every frame's
# load event and for one more frame and task of the event loop, and says which frames ended up
# elsewhere than their document.
OPEN_ALL = """async (urls) => {
  const frames = await Promise.all(urls.map(url => new Promise(loaded => {
    const frame = document.createElement("iframe");
    frame.addEventListener("load", () => loaded(frame), {once: true});
    frame.src = url;
    document.body.appendChild(frame);
  })));
  await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
  const moved = frames.map((frame, n) => {
    try { return frame.contentWindow.location.href === urls[n] ? null : frame.contentWindow.location.href; }
    catch (error) { return "another origin"; }
  });
  for (const frame of frames) frame.remove();
  return moved;
}"""


class PageServer:
    """Pages in memory on 127.0.0.1: ``add(path, body, headers)`` then ``url(path)``."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, dict[str, str]]] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body, headers = pages.get(self.path, (b"not found", {}))
                self.send_response(200 if self.path in pages else 404)
                headers = {"content-type": "text/html; charset=utf-8", **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> str:
        self.pages[path] = (body, headers or {})
        return self.base + path

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Judge:
    """One headless Chromium for a batch of pages (see the module's docstring)."""

    def __init__(self, server: PageServer):
        require_chromium()
        settings = settings_with_addons(**chromium_settings())
        options = launch_options(settings)
        options["executable_path"] = chromium_path(settings)
        options["args"] = [*options["args"],
                           "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
        self.server = server
        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(**options)

    def body_texts(self, urls: list[str], batch: int = 25) -> list[str | None]:
        harness = self.server.add("/harness", b"<!doctype html><title>harness</title>",
                                  {"content-security-policy": NOTHING_RUNS})
        page = self.browser.new_page()
        page.goto(harness)
        texts: list[str | None] = []
        for start in range(0, len(urls), batch):
            texts += page.evaluate(BODY_TEXTS, urls[start:start + batch])
        page.close()
        return texts

    def executions(self, urls: list[str], batch: int = 40) -> dict[str, list[str]]:
        """What ran in each document, by its address; empty when nothing did. A document that
        navigated away (a refresh, a script) is reported too."""
        context = self.browser.new_context()
        context.add_init_script(HOOKS)
        reports: dict[str, list[str]] = {url: [] for url in urls}
        context.expose_binding(
            "__xssReport", lambda source, where, kind, detail: reports.setdefault(
                where, []).append(f"{kind}: {detail}"))
        page = context.new_page()
        page.on("dialog", lambda dialog: (reports.setdefault("dialog", []).append(
            dialog.message), dialog.dismiss()))
        harness = self.server.add("/frames", b"<!doctype html><title>frames</title><body>")
        page.goto(harness)
        for start in range(0, len(urls), batch):
            chunk = urls[start:start + batch]
            for url, moved in zip(chunk, page.evaluate(OPEN_ALL, chunk), strict=True):
                if moved:
                    reports[url].append(f"navigated: {moved}")
        context.close()
        reports.pop(harness, None)  # the frames it adds and removes
        return reports

    def close(self) -> None:
        self.browser.close()
        self.playwright.stop()
