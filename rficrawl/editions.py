"""The registry of RFI language editions, read from ``editions.toml``.

The data lives in a TOML file so that adding an edition or a section is one entry, not code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

DEFAULT_BASE_URL = "https://www.rfi.fr"


@dataclass(frozen=True)
class Edition:
    """One language edition of rfi.fr, e.g. ``cn`` for /cn/ (simplified Chinese)."""

    prefix: str
    name: str
    language: str
    hreflang: str
    archive_word: str
    tag_word: str
    sections: tuple[str, ...] = field(default_factory=tuple)
    #: Every first path segment of tag pages, current one first (/cn/关键词/ now, /cn/tag/ in 2021).
    tag_words: tuple[str, ...] = field(default_factory=tuple)
    #: First path segment of author pages (/fr/auteur/{slug}/).
    author_words: tuple[str, ...] = field(default_factory=tuple)
    #: First path segment of programme (podcast) pages: /fr/podcasts/{show}/{YYYYMMDD}-{slug}.
    podcast_words: tuple[str, ...] = field(default_factory=tuple)
    #: Video list pages (/fr/vidéos); dated pages under them are video articles.
    video_words: tuple[str, ...] = field(default_factory=tuple)
    #: Static pages that are neither articles nor lists (about, apps, live radio, schedules).
    pages: tuple[str, ...] = field(default_factory=tuple)
    #: Other paths of the edition front (/fa/hp/).
    front_aliases: tuple[str, ...] = field(default_factory=tuple)

    def front_path(self) -> str:
        return f"/{self.prefix}/"

    def section_path(self, section: str) -> str:
        return f"/{self.prefix}/{section}/"


@cache
def editions() -> dict[str, Edition]:
    """All editions, keyed by path prefix, in the order of the registry file."""
    text = resources.files("rficrawl").joinpath("editions.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)["editions"]
    return {
        prefix: Edition(
            prefix=prefix,
            name=entry["name"],
            language=entry["language"],
            hreflang=entry["hreflang"],
            archive_word=entry.get("archive_word", ""),
            tag_word=entry.get("tag_word", ""),
            sections=tuple(entry.get("sections", ())),
            tag_words=tuple(entry.get("tag_words", ())) or _words(entry.get("tag_word", "")),
            author_words=tuple(entry.get("author_words", ())),
            podcast_words=tuple(entry.get("podcast_words", ())),
            video_words=tuple(entry.get("video_words", ())),
            pages=tuple(entry.get("pages", ())),
            front_aliases=tuple(entry.get("front_aliases", ())),
        )
        for prefix, entry in table.items()
    }


def _words(word: str) -> tuple[str, ...]:
    return (word,) if word else ()


def get_edition(prefix: str) -> Edition:
    """The edition for a path prefix; a clear error names the known ones."""
    try:
        return editions()[prefix]
    except KeyError:
        known = ", ".join(editions())
        raise ValueError(f"unknown RFI edition {prefix!r}; known editions: {known}") from None


def parse_editions(value: str | None) -> list[Edition]:
    """Parse a spider argument like ``"cn,tw"``; empty or None means every edition."""
    if not value:
        return list(editions().values())
    return [get_edition(p.strip()) for p in value.split(",") if p.strip()]
