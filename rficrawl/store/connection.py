"""The connection to MongoDB: settings, client options and the collections' indexes.

Every part that talks to the store (pipeline, known-article middleware, CLI, bench) gets its
client and its indexes from here, so they agree on time zones (aware UTC datetimes back from the
server) and on index names (creating them twice is a no-op, on mongod and on FerretDB alike).
"""

from __future__ import annotations

import datetime as dt
import os

import pymongo
from pymongo.database import Database
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

DEFAULT_URI = "mongodb://127.0.0.1:27017"
DEFAULT_DATABASE = "rfi"
ARTICLES = "articles"
REVISIONS = "revisions"
CRAWLS = "crawls"

# (collection, keys, options): named, so that a second creation is recognised as the same index.
# Each listing the CLI makes (a filter, newest first) has an index whose prefix serves its equality
# and then gives the date order, so that "the newest 20" reads 20 documents; `published_day` serves
# `rficrawl stats`' count per day.
INDEXES: list[tuple[str, list[tuple[str, int]], dict]] = [
    (ARTICLES, [("url", 1)], {"name": "url_unique", "unique": True}),
    (ARTICLES, [("edition", 1), ("published_at", -1)], {"name": "edition_published"}),
    (ARTICLES, [("section", 1), ("published_at", -1)], {"name": "section_published"}),
    # --edition with --section: the section's articles of the edition in date order, so that a
    # window (--since/--until) is counted and listed from the index alone, where either index
    # above reads every article of the edition (or section) in the window to test the other field.
    (
        ARTICLES,
        [("edition", 1), ("section", 1), ("published_at", -1)],
        {"name": "edition_section_published"},
    ),
    (ARTICLES, [("section_name", 1), ("section", 1)], {"name": "section_name_section"}),
    (ARTICLES, [("tags", 1), ("published_at", -1)], {"name": "tags_published"}),
    (ARTICLES, [("modified_at", -1)], {"name": "modified"}),
    (ARTICLES, [("published_at", -1)], {"name": "published"}),
    (ARTICLES, [("published_day", 1)], {"name": "published_day"}),
    (REVISIONS, [("article_id", 1), ("revision", 1)], {"name": "article_revision"}),
    # The report's revisions per day: versions replaced in a window.
    (REVISIONS, [("superseded_at", -1)], {"name": "superseded"}),
    (CRAWLS, [("started_at", -1)], {"name": "started"}),
]


def default_uri() -> str:
    """``MONGO_URI`` from the environment, else the local default."""
    return os.environ.get("MONGO_URI", DEFAULT_URI)


def default_database() -> str:
    return os.environ.get("MONGO_DATABASE", DEFAULT_DATABASE) or DEFAULT_DATABASE


def uri_from_settings(settings: BaseSettings, component: str) -> tuple[str, str]:
    """The (URI, database name) a component should use; ``NotConfigured`` when storage is off."""
    uri = (settings.get("MONGO_URI") or "").strip()
    if not uri:
        raise NotConfigured(f"{component}: MONGO_URI is empty, storage is off")
    return uri, settings.get("MONGO_DATABASE")


def connect(uri: str, timeout: float = 5.0) -> pymongo.MongoClient:
    """A client that returns aware UTC datetimes and fails within ``timeout`` seconds when the
    server is away (pymongo's 30 s default would freeze a CLI and hide outages in a crawl)."""
    ms = int(timeout * 1000)
    return pymongo.MongoClient(
        uri,
        tz_aware=True,
        tzinfo=dt.UTC,
        serverSelectionTimeoutMS=ms,
        connectTimeoutMS=ms,
        socketTimeoutMS=max(ms * 6, 30_000),
        appname="rficrawl",
    )


def ensure_indexes(db: Database) -> None:
    """Create the collections' indexes if they are missing (idempotent, cheap when present)."""
    for name, keys, options in INDEXES:
        db[name].create_index(keys, **options)


__all__ = [
    "ARTICLES",
    "CRAWLS",
    "REVISIONS",
    "connect",
    "default_database",
    "default_uri",
    "ensure_indexes",
    "uri_from_settings",
]
