"""What the crawl hands to the WARC writer, and what it gets back: plain data, no Scrapy.

A :class:`Capture` is one fetched page as the crawl saw it: the request as sent, the answer's
status and headers as received, and its body after transfer and content decoding (the bytes the
extractor reads), or a page the browser rendered. It is made in the reactor (cheap copies of
references) and turned into WARC records in the writer's thread. A :class:`Location` is where the
main record of a capture landed: what an article stores as its ``warc`` pointer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# Record types a capture's main record can have.
RESPONSE, REVISIT, CONVERSION, RESOURCE = "response", "revisit", "conversion", "resource"
# Record types whose payload is a page (reextract and extract read these; a revisit has none).
PAGE_RECORDS = frozenset({RESPONSE, CONVERSION, RESOURCE})


@dataclass(frozen=True)
class SentRequest:
    """The HTTP request as Scrapy sent it (its headers after every downloader middleware)."""

    method: str
    target: str  # path and query, as on the request line
    headers: list[tuple[str, str]]
    body: bytes = b""


@dataclass(frozen=True)
class Reference:
    """The record a rendered page was made from (``WARC-Refers-To``)."""

    record_id: str
    url: str
    date: dt.datetime


@dataclass(frozen=True)
class Capture:
    """One fetched or rendered page, ready to become WARC records.

    ``record_type`` is ``response`` for an HTTP answer (a ``revisit`` instead when ``revisitable``
    and its payload is the one recorded for the URL last time), ``conversion`` for a page the
    browser rendered from a recorded response (``refers_to``), ``resource`` for one rendered with
    no plain answer recorded. ``decoded`` names the transfer and content codings undone on the
    body: the headers still say them, as received.
    """

    url: str
    date: dt.datetime
    record_id: str
    record_type: str
    body: bytes
    edition: str
    status: int = 0
    protocol: str = "HTTP/1.1"
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = ""
    request: SentRequest | None = None
    ip_address: str | None = None
    decoded: tuple[str, ...] = ()
    refers_to: Reference | None = None
    revisitable: bool = False


@dataclass(frozen=True)
class Location:
    """Where a record is: the file's name (found under WARC_DIR or a moved-files prefix), the
    offset of its gzip member, the member's length, and the record's type."""

    file: str
    offset: int
    length: int
    type: str

    def as_pointer(self) -> dict[str, Any]:
        """The article's ``warc`` field."""
        return {"file": self.file, "offset": self.offset, "length": self.length, "type": self.type}

    @classmethod
    def from_pointer(cls, pointer: Any) -> Location | None:
        """The location an article's ``warc`` field gives, or None when it gives none usable."""
        if not isinstance(pointer, dict):
            return None
        try:
            return cls(str(pointer["file"]), int(pointer["offset"]), int(pointer["length"]),
                       str(pointer.get("type") or RESPONSE))
        except (KeyError, TypeError, ValueError):
            return None

    def __str__(self) -> str:
        return f"{self.file}#{self.offset}"


@dataclass(frozen=True)
class Written:
    """What writing a capture did: the main record's place, the bytes it cost on disk (its
    request record and, for a new file, the warcinfo included), and the file it opened if any."""

    location: Location
    bytes: int
    opened: str | None = None
