"""The Markdown archive: one file per article, in the format of the newsroom's existing archive.

A document looks like (see ../shared/seed-archive-example.md)::

    <!--1764494042000-->
    [Title](https://www.rfi.fr/cn/...)
    ------

    <div>30/11/2025 - 10:13</div><img src="..."><p><strong>Lead</strong></p><div>body</div>

- the comment holds the epoch milliseconds of ``modified_at``, else ``published_at``, else
  ``fetched_at``, so a tool can tell which version of an article a file holds;
- the date line is ``published_at`` in Paris time, as RFI prints it under the title;
- the image is the main image at 1280 pixels wide in 16:9, as RFI's image service serves it;
- the body is the cleaned body (no share bar, unlike the old archive's files).

Files go to ``{edition}/{YYYY-MM-DD}/{content_id}.md``, the date being ``published_at`` (else
``modified_at``) in Paris time: the date RFI prints and writes in its URLs and content ids, so an
article published at 00:30 in Paris is filed under that day, not the UTC day before
(``rficrawl.dates``). A document without ``content_id`` (pages older than the datalayer) is filed
as ``url-{sha256(url)[:16]}.md``; one without any date under ``undated``.

Which field fills each place is the schema's (``markdown`` in ``rficrawl.items``), and so is what
each holds: the title and the lead are plain text, ``body_html`` is HTML. A document is read two
ways, raw as HTML (a browser opening the file) and through a Markdown renderer, and text reads as
the same text both ways (``rficrawl.export.escaping``): the title (a Markdown link's text, also
in the index) has HTML's and Markdown's special characters written as character references;
the lead is HTML-escaped; the link and the image are written only when they are http(s) URLs,
percent-encoded where a character could end them; text is kept on its line. The body is written
as it is, the cleaner's allow-list having made it safe, with no blank line that would end its
HTML block.

``render_markdown``, ``archive_path`` and ``write_document`` take an ``ArticleItem`` or a MongoDB
document with the same field names (dates as aware datetimes, naive UTC datetimes or ISO
strings): the feed exporter below and ``rficrawl export --format md`` share them.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from scrapy.exporters import BaseItemExporter

from rficrawl.dates import PARIS, as_utc, paris_day
from rficrawl.export.escaping import html_block, html_text, html_url, markdown_text, markdown_url
from rficrawl.items import ARTICLE_FIELDS, FILING_DATE, VERSION_TIME

# The field in each place of a document (rficrawl.items.MARKDOWN_PLACES).
PLACES = {spec.markdown: name for name, spec in ARTICLE_FIELDS.items() if spec.markdown}
_IMAGE_FORMAT = re.compile(r"/w:\d+/p:\d+x\d+/")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def render_markdown(doc: Mapping[str, Any]) -> str:
    """The archive document of one article."""
    title = str(doc.get(PLACES["link text"]) or "")
    url = str(doc.get(PLACES["link"]) or "")
    stamp = _first_date(doc, VERSION_TIME)
    lines = [
        f"<!--{int(stamp.timestamp() * 1000) if stamp else 0}-->",
        f"[{markdown_text(title)}]({markdown_url(url)})",
        "------",
        "",
    ]
    parts = []
    published = as_utc(doc.get(PLACES["date line"]))
    if published:
        parts.append(f"<div>{published.astimezone(PARIS):%d/%m/%Y - %H:%M}</div>")
    image_url = html_url(main_image_url(doc.get(PLACES["image"])))
    if image_url:
        parts.append(f'<img src="{image_url}">')
    lead = doc.get(PLACES["lead"])
    if lead:
        parts.append(f"<p><strong>{html_text(_one_line(str(lead)))}</strong></p>")
    parts.append(f"<div>{html_block(str(doc.get(PLACES['body']) or ''))}</div>")
    lines.append("".join(parts))
    return "\n".join(lines) + "\n"


def archive_path(doc: Mapping[str, Any]) -> PurePosixPath:
    """Where the article's document goes: ``{edition}/{YYYY-MM-DD}/{content_id}.md``."""
    edition = _safe(str(doc.get(PLACES["folder"]) or "")) or "unknown-edition"
    day = paris_day(_first_date(doc, FILING_DATE))
    name = _safe(str(doc.get(PLACES["file name"]) or ""))
    if not name:
        url = str(doc.get(PLACES["link"]) or "")
        name = "url-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    return PurePosixPath(edition, day.isoformat() if day else "undated", f"{name}.md")


def write_document(doc: Mapping[str, Any], directory: str | os.PathLike) -> Path:
    """Write the article's document under ``directory`` at its ``archive_path``, whole or not at
    all (written aside, then renamed), replacing an older version; returns the file's path."""
    target = Path(directory).joinpath(*archive_path(doc).parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_text(render_markdown(doc), encoding="utf-8")
    partial.replace(target)
    return target


def main_image_url(image: object) -> str | None:
    """The main image at 1280 pixels wide in 16:9 (RFI's image service serves every size)."""
    url = image.get("url") if isinstance(image, Mapping) else None
    if not url:
        return None
    return _IMAGE_FORMAT.sub("/w:1280/p:16x9/", str(url), count=1)


class MarkdownArchiveExporter(BaseItemExporter):
    """Feed exporter ``md``: each article to its own file, the feed file an index of them.

    ``scrapy crawl SPIDER -O archive.md:md`` writes the articles under ``archive/`` (the feed
    file's name without its suffix) and a Markdown list of links to them in ``archive.md``.
    The setting ``MARKDOWN_ARCHIVE_DIR`` (or the feed option
    ``item_export_kwargs: {"directory": ...}``) puts the files elsewhere; it is required when the
    feed is not a local file (stdout, S3...). A later crawl overwrites an article's file with the
    newer version.
    """

    def __init__(self, file: IO[bytes], *, directory: str | os.PathLike | None = None,
                 **kwargs: Any):
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.index_dir = _local_dir(file)
        if directory:
            self.directory = Path(directory)
        elif self.index_dir is not None:
            self.directory = self.index_dir / Path(file.name).stem
        else:
            raise ValueError(
                "the md feed is not a local file: set MARKDOWN_ARCHIVE_DIR to the directory "
                "that receives the articles' files"
            )

    @classmethod
    def from_crawler(cls, crawler: Any, file: IO[bytes], *args: Any, **kwargs: Any):
        kwargs.setdefault("directory", crawler.settings.get("MARKDOWN_ARCHIVE_DIR") or None)
        return cls(file, *args, **kwargs)

    def export_item(self, item: Any) -> None:
        doc = dict(item)
        target = write_document(doc, self.directory)
        link = Path(os.path.relpath(target, self.index_dir)) if self.index_dir else target
        title = str(doc.get(PLACES["link text"]) or "")
        entry = f"- [{markdown_text(title)}]({markdown_url(link.as_posix(), relative=True)})\n"
        self.file.write(entry.encode("utf-8"))


def _first_date(doc: Mapping[str, Any], fields: tuple[str, ...]) -> datetime | None:
    """The first of the fields that holds a date (read by ``as_utc``)."""
    for field in fields:
        when = as_utc(doc.get(field))
        if when:
            return when
    return None


def _local_dir(file: IO[bytes]) -> Path | None:
    name = getattr(file, "name", None)
    if not isinstance(name, str) or name.startswith("<"):
        return None
    path = Path(name)
    return path.resolve().parent if path.exists() else None


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._")


def _one_line(text: str) -> str:
    """Text of an HTML line: a line break in it could end the document's HTML block."""
    return " ".join(text.split())
