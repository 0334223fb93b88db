"""The write logic of the archive: insert new articles, touch unchanged ones, keep revisions.

It is plain synchronous pymongo, run off the reactor by the pipeline (in a worker thread) and
called directly by ``rficrawl store replay``, so a crawl and a replay store exactly alike.

Per batch, insert first: one unordered bulk of ``InsertOne`` stores every article not yet seen
(with ``first_seen_at``, ``revision`` 1) at the cost of a plain ``insert_many``. Only those
refused as duplicates (on ``_id`` or the unique ``url``) are read back, and then:

- same ``content_hash``: only ``last_seen_at`` moves (if older than ``seen_resolution``);
- different hash: the stored version is copied into ``revisions`` (``_id`` ``<article>@<n>``, so
  copying it twice is a no-op) with the names of the fields that changed, then the article is
  replaced on the condition that it is still the version we read (its hash and ``revision``),
  and its ``revision`` grows;
- different hash but fetched before the stored version (two crawls fetched the page at once as it
  changed, or a spill file is replayed late): the article stays, and this older version is kept
  in ``revisions`` just before it (the article's ``revision`` number is taken for it, then the
  article's grows), counted ``stale``. Nothing fetched is lost.

Every version says what made it (``revision_reason``: ``crawl``, or ``reextract`` for one made by
``rficrawl reextract`` from a kept WARC record), on the article and on its ``revisions`` copy.

Concurrency: two workers that both insert the same new article cannot make two documents (the
unique ``_id`` and ``url``); the loser's duplicate-key error sends it down the existing-article
path, where it counts as unchanged or becomes a revision. A conditional replace that matched
nothing (someone changed the article since we read it) goes round again. So concurrent writers
never make two documents and never lose a version. The whole is idempotent: replaying a batch after a crash leaves the same state.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pymongo import InsertOne, ReplaceOne, UpdateMany
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from rficrawl.store.connection import ARTICLES, REVISIONS
from rficrawl.store.documents import changed_fields, content_of

DUPLICATE_KEY = 11000
MAX_ROUNDS = 8
# What made a version (``revision_reason``): a crawl's fetch, unless another reason is given.
CRAWL = "crawl"


@dataclass
class WriteResult:
    """What a batch did, for the crawl stats and the ``crawls`` record."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    # Documents the server refused for a reason of their own (not an outage), with that reason.
    failed: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    # New articles by edition: a front that always has new ones and has none is news. Revised
    # and unchanged ones by edition too, for the crawl's progress per edition.
    new_by_edition: Counter[str] = field(default_factory=Counter)
    updated_by_edition: Counter[str] = field(default_factory=Counter)
    unchanged_by_edition: Counter[str] = field(default_factory=Counter)

    def add(self, other: WriteResult) -> None:
        self.new_by_edition.update(other.new_by_edition)
        self.updated_by_edition.update(other.updated_by_edition)
        self.unchanged_by_edition.update(other.unchanged_by_edition)
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.stale += other.stale
        self.failed.extend(other.failed)


class ArticleWriter:
    """Writes article documents (from ``documents.to_document``) into a database."""

    def __init__(self, db: Database, seen_resolution: float = 0.0, reason: str = CRAWL,
                 compare_fields: bool = False):
        """``reason`` is written on each version this writer makes (``revision_reason``).
        ``compare_fields``: a stored article is changed when any field RFI published differs,
        not only its ``content_hash`` (reextract: a better extractor may fix the tags and not
        the text)."""
        self.articles = db[ARTICLES]
        self.revisions = db[REVISIONS]
        self.seen_resolution = dt.timedelta(seconds=seen_resolution)
        self.reason = reason
        self.compare_fields = compare_fields

    def _seen_long_ago(self, stored: dict, now: dt.datetime) -> bool:
        """Whether an unchanged article's ``last_seen_at`` is worth rewriting.

        Within ``seen_resolution`` of the last sighting it is not: a re-crawl of unchanged
        articles then costs reads only. That matters on FerretDB's SQLite backend, where every
        update rewrites the whole document in a transaction of its own.
        """
        seen = stored.get("last_seen_at")
        return not isinstance(seen, dt.datetime) or now - seen >= self.seen_resolution

    def write(self, docs: Iterable[dict[str, Any]], now: dt.datetime | None = None) -> WriteResult:
        """Store a batch; connection errors propagate (the caller retries the whole batch)."""
        now = now or dt.datetime.now(dt.UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        result = WriteResult()
        for group in _distinct_groups(list(docs)):
            for _ in range(MAX_ROUNDS):
                group = self._write_round(group, now, result)
                if not group:
                    break
            result.failed.extend((doc, "write_conflict") for doc in group)
        return result

    def _write_round(
        self, docs: list[dict[str, Any]], now: dt.datetime, result: WriteResult
    ) -> list[dict[str, Any]]:
        """Write documents with distinct ids and URLs; return those that must go round again."""
        fresh = [{**doc, "first_seen_at": now, "last_seen_at": now, "revision": 1,
                  "revision_reason": self.reason} for doc in docs]
        _, errors = _bulk_write(self.articles, [InsertOne(doc) for doc in fresh])
        existing = []
        for error in errors:
            doc = docs[error["index"]]
            if error["code"] == DUPLICATE_KEY:
                existing.append(doc)  # stored already (by us earlier, or by another writer)
            else:
                result.failed.append((doc, f"server_error_{error['code']}"))
        result.new += len(docs) - len(errors)
        refused = {error["index"] for error in errors}
        result.new_by_edition.update(
            doc.get("edition") for index, doc in enumerate(docs) if index not in refused)
        if not existing:
            return []

        retry: list[dict] = []
        touched: list[dict] = []
        changed: list[tuple[dict, dict]] = []
        late: list[tuple[dict, dict]] = []
        for doc, stored in self._stored(existing):
            if stored is None:
                retry.append(doc)  # removed since the insert failed: insert it again
            elif self._same(doc, stored):
                touched.append(stored)
                result.unchanged_by_edition[doc.get("edition")] += 1
            elif _older(doc, stored):
                late.append((doc, stored))
            else:
                changed.append((doc, stored))
        result.unchanged += len(touched)
        retry += self._keep_late(late, now, result)

        replacing, conflicts = self._save_revisions(changed, now)
        retry += conflicts
        ops: list = []
        stale_seen = [stored["_id"] for stored in touched if self._seen_long_ago(stored, now)]
        if stale_seen:
            # $currentDate rather than $set: some wire servers (nx-27017) store a $set date as text.
            touch = {"$currentDate": {"last_seen_at": True}}
            ops.append(UpdateMany({"_id": {"$in": stale_seen}}, touch))
        ops += [
            ReplaceOne({"_id": new["_id"], "content_hash": old_hash, "revision": old_revision}, new)
            for new, old_hash, old_revision in replacing
        ]
        op_docs = ([{}] if stale_seen else []) + [new for new, _, _ in replacing]
        matched, errors = self._bulk(ops)
        for error in errors:
            result.failed.append((op_docs[error["index"]], f"server_error_{error['code']}"))
        if matched >= len(stale_seen) + len(replacing):
            lost = []
        else:
            lost = self._conflicts([new for new, _, _ in replacing])
            retry += lost
        result.updated += len(replacing) - len(lost)
        lost_ids = {doc["_id"] for doc in lost}
        result.updated_by_edition.update(
            new.get("edition") for new, _, _ in replacing if new["_id"] not in lost_ids)
        return retry

    def _same(self, doc: dict, stored: dict) -> bool:
        if self.compare_fields:
            return not changed_fields(stored, doc) and stored.get("content_hash") == doc[
                "content_hash"]
        return stored.get("content_hash") == doc["content_hash"]

    def _by_ids(self, ids: list[Any], projection: dict | None = None) -> dict[Any, dict]:
        """Stored documents by ``_id``, in one ``$in`` query (served by the ``_id`` index)."""
        return {doc["_id"]: doc for doc in self.articles.find({"_id": {"$in": ids}}, projection)}

    def _stored(self, docs: list[dict]) -> list[tuple[dict, dict | None]]:
        """Each document with the stored version it updates (found by ``_id``, else by URL)."""
        projection = None if self.compare_fields else {
            "content_hash": 1, "url": 1, "fetched_at": 1, "last_seen_at": 1}
        by_id = self._by_ids([d["_id"] for d in docs], projection)
        others = [d["url"] for d in docs if d["_id"] not in by_id]
        by_url = {}
        if others:
            by_url = {s["url"]: s for s in self.articles.find({"url": {"$in": others}}, projection)}
        pairs = []
        for doc in docs:
            stored = by_id.get(doc["_id"]) or by_url.get(doc["url"])
            if stored is not None and stored["_id"] != doc["_id"]:
                # The same URL stored under another key (before its content_id was known): the
                # stored key stays, so every reference to it keeps working.
                doc = {**doc, "_id": stored["_id"]}
            pairs.append((doc, stored))
        return pairs

    def _save_revisions(
        self, changed: list[tuple[dict, dict]], now: dt.datetime
    ) -> tuple[list[tuple[dict, str, Any]], list[dict]]:
        """Copy the stored versions of changed articles into ``revisions``.

        Returns the replacements to make (new document, and the hash and revision of the version
        it must replace) and the documents whose stored version moved since it was read (to go
        round again).
        """
        if not changed:
            return [], []
        ids = [doc["_id"] for doc, _ in changed]
        full = self._by_ids(ids)
        revisions = []
        replacing = []
        retry = []
        for doc, stored in changed:
            old = full.get(doc["_id"])
            if old is None or old.get("content_hash") != stored.get("content_hash"):
                retry.append(doc)
                continue
            number = int(old.get("revision") or 1)
            revisions.append(InsertOne(_revision(old, number, doc, now)))
            new = {
                **doc,
                "first_seen_at": old.get("first_seen_at") or now,
                "last_seen_at": now,
                "changed_at": now,
                "revision": number + 1,
                "revision_reason": self.reason,
            }
            replacing.append((new, old.get("content_hash"), old.get("revision")))
        if revisions:
            _, errors = _bulk_write(self.revisions, revisions)
            if any(error["code"] != DUPLICATE_KEY for error in errors):
                raise BulkWriteError({"writeErrors": errors})
        return replacing, retry

    def _keep_late(
        self, late: list[tuple[dict, dict]], now: dt.datetime, result: WriteResult
    ) -> list[dict]:
        """Keep versions fetched before the stored one in ``revisions``, just before it.

        The stored article gives up its ``revision`` number to the late version: the number is
        claimed by raising the article's, on the condition that it is still the version read
        (so a concurrent replacement of it fails and goes round again, copying it under the next
        number), then the late version is written under the claimed number. A late version
        already kept (a replay) is not kept twice. Returns the documents to go round again.
        """
        retry = []
        for doc, stored in late:
            kept = {"article_id": stored["_id"], "content_hash": doc["content_hash"]}
            if self.revisions.find_one(kept, {"_id": 1}) is not None:
                result.stale += 1
                continue
            current = self.articles.find_one({"_id": stored["_id"]})
            if current is None or current.get("content_hash") != stored.get("content_hash"):
                retry.append(doc)
                continue
            number = int(current.get("revision") or 1)
            claim = self.articles.update_one(
                {"_id": current["_id"], "content_hash": current.get("content_hash"),
                 "revision": current.get("revision")},
                {"$set": {"revision": number + 1}},
            )
            if not claim.matched_count:
                retry.append(doc)
                continue
            seen = {"first_seen_at": doc.get("fetched_at"), "last_seen_at": doc.get("fetched_at")}
            # Upsert: a writer that read the article before the claim may have copied it under
            # this number; its replacement fails and copies it again under the next one.
            self.revisions.replace_one(
                {"_id": f"{current['_id']}@{number}"},
                _revision({**doc, **seen, "_id": current["_id"], "revision_reason": self.reason},
                          number, current, now),
                upsert=True,
            )
            result.stale += 1
        return retry

    def _bulk(self, ops: list) -> tuple[int, list[dict]]:
        if not ops:
            return 0, []
        return _bulk_write(self.articles, ops)

    def _conflicts(self, replaced: list[dict]) -> list[dict]:
        """Replacements that did not land because another writer changed the article first."""
        ids = [doc["_id"] for doc in replaced]
        hashes = {
            k: d.get("content_hash") for k, d in self._by_ids(ids, {"content_hash": 1}).items()
        }
        return [doc for doc in replaced if hashes.get(doc["_id"]) != doc["content_hash"]]


def _revision(old: dict, number: int, new: dict, now: dt.datetime) -> dict[str, Any]:
    """The ``revisions`` document of version ``number`` of an article, superseded by ``new``."""
    return {
        "_id": f"{old['_id']}@{number}",
        "article_id": old["_id"],
        "revision": number,
        "revision_reason": old.get("revision_reason") or CRAWL,
        "content_hash": old.get("content_hash"),
        "changed": changed_fields(old, new),
        "superseded_at": now,
        "superseded_by": new["content_hash"],
        "first_seen_at": old.get("first_seen_at"),
        "last_seen_at": old.get("last_seen_at"),
        "fetched_at": old.get("fetched_at"),
        "document": content_of(old),
    }


def _bulk_write(collection, ops: list) -> tuple[int, list[dict]]:
    """An unordered bulk write: (documents matched, per-operation errors)."""
    try:
        return collection.bulk_write(ops, ordered=False).matched_count, []
    except BulkWriteError as exc:
        return exc.details.get("nMatched", 0), exc.details.get("writeErrors", [])


def _older(doc: dict, stored: dict) -> bool:
    """Whether ``doc`` was fetched before the stored version (a late replay must not win)."""
    mine, theirs = doc.get("fetched_at"), stored.get("fetched_at")
    return isinstance(mine, dt.datetime) and isinstance(theirs, dt.datetime) and mine < theirs


def _distinct_groups(docs: list[dict]) -> list[list[dict]]:
    """Split a batch so that no group holds the same id or URL twice, keeping their order."""
    groups: list[list[dict]] = []
    seen: list[set] = []
    for doc in docs:
        keys = {("id", doc["_id"]), ("url", doc["url"])}
        for group, used in zip(groups, seen):
            if not keys & used:
                group.append(doc)
                used |= keys
                break
        else:
            groups.append([doc])
            seen.append(set(keys))
    return groups
