"""A synthetic RFI archive for bench/archive.py: articles that look like RFI's, made reproducibly.

What it models, and from what:

- the article's fields and their shapes (authors, image, keywords, twin URLs, media, word count,
  content hash) are those of the project's extractor; the /cn/ article capture, when ../shared is
  present, is extracted at run time and lends its lead, kicker, image caption and markup. Ids and
  URLs follow RFI's patterns (``WBMZ146377-RFI-CN-20251130``, percent-encoded paths);
- the text of each edition is in its own script: sentences are the real article titles that the
  2021 link graph of rfi.fr (../shared) links in that edition, and the capture's body for /cn/;
  where ../shared is absent, or an edition has no links there (ro, uk), pseudo-words drawn from the
  edition's alphabet stand in;
- 17 editions with unequal shares (EDITION_SHARES: French first, then English, Spanish and
  Chinese; an estimate of the newsrooms' output, not a measured figure), dates over YEARS years,
  denser in recent years, in clusters of several articles per edition and day (as an archive day
  page lists them), sections per edition (editions.toml), 2-6 tags from a per-edition vocabulary
  of TAG_VOCABULARY tags drawn with a Zipf law, authors likewise, body_text ~3 KB and body_html
  ~6 KB (paragraphs, headings, links to other articles, a figure);
- about 1 in REVISED_ONE_IN articles is edited after its first fetch (some twice); bench/archive.py
  writes those edits through the store's writer so that ``revisions`` holds real revisions.

Every article is a pure function of (seed, end day, serial number), so an archive of N articles is
the first N of one stream, and growing it to M adds articles N..M-1.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import hashlib
import itertools
import math
import os
import random
import re
import uuid
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from scrapy.http import HtmlResponse

from rficrawl.editions import editions
from rficrawl.extract.article import content_hash, count_words, extract_article
from rficrawl.store.crawls import crawl_record, new_crawl_id
from rficrawl.urls import classify, encode_url

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RFI_SHARED_DIR", REPO.parent / "shared"))
CAPTURE = SHARED / "fixtures/rfi/cn-article-2025-11-30.html"
CAPTURE_URL = "https://www.rfi.fr/cn/政治/20251130-台湾增加400亿美元国防开支-加速部署t-dome防空系统"
LINK_GRAPH = SHARED / "fixtures/rfi/linkgraph-fr-2021-12-09.tsv"

# Share of the archive per edition (sums to 1).
EDITION_SHARES = {
    "fr": 0.27, "en": 0.10, "es": 0.09, "cn": 0.07, "tw": 0.05, "fa": 0.05, "vi": 0.05,
    "ru": 0.045, "br": 0.04, "pt": 0.035, "sw": 0.03, "ha": 0.03, "km": 0.03, "ro": 0.025,
    "uk": 0.02, "ma": 0.015, "ff": 0.015,
}  # fmt: skip
YEARS = 25
RECENT_GROWTH = 10.0  # articles a day now / articles a day YEARS ago
TAG_VOCABULARY = 2000
AUTHORS_PER_EDITION = 150
REVISED_ONE_IN = 20
BODY_TEXT_BYTES = 3000
BODY_HTML_BYTES = 6000
ARTICLES_PER_CRAWL = 100

# Alphabets of the pseudo-words used where no real text of an edition is at hand.
_LATIN = "abcdefghijklmnopqrstuvwxyz"
ALPHABETS = {
    "fr": _LATIN + "éèàçêô", "en": _LATIN, "es": _LATIN + "áéíóúñ", "pt": _LATIN + "ãõçáéó",
    "br": _LATIN + "ãõçáéó", "ha": _LATIN + "ƙɗɓ", "sw": _LATIN, "ma": _LATIN + "ɛɔɲŋ",
    "ff": _LATIN + "ɓɗƴŋ", "ro": _LATIN + "ăâîșț", "vi": _LATIN + "ăâđêôơưạảấầểễệọốồổờởợụủứừữ",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщыьэюя", "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "fa": "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی",
    "km": "".join(chr(c) for c in range(0x1780, 0x17B4)),
    "cn": "中国法台湾美元国防开支加速部署防空系统政府计划未来年内增加亿主要用于发一个多层次的",
    "tw": "中國法臺灣美元國防開支加速部署防空系統政府計劃未來年內增加億主要用於發一個多層次的",
}  # fmt: skip
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass
class EditionText:
    """The material an edition's articles are written with."""

    sentences: list[str]
    words: list[str]
    tags: list[str]
    authors: list[str]
    sections: list[str]
    joiner: str  # between sentences: "。" in Chinese, ". " elsewhere
    real: bool  # sentences from RFI's own pages (else pseudo-words)


@dataclass
class Template:
    """Field values and markup borrowed from the real capture (or a plain stand-in)."""

    lead_chars: int = 120
    kicker: str = ""
    caption_chars: int = 40
    credit: str = "AFP"
    heading_every: int = 4  # paragraphs between two <h2> headings
    source: str = "synthetic"


@dataclass
class Corpus:
    editions: dict[str, EditionText]
    template: Template
    notes: list[str] = field(default_factory=list)


def _zipf_cumulative(n: int, s: float = 1.07) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**s) for rank in range(1, n + 1)))


def _pseudo_words(rng: random.Random, alphabet: str, count: int, cjk: bool) -> list[str]:
    words = set()
    while len(words) < count:
        size = rng.randint(2, 3) if cjk else rng.randint(3, 10)
        words.add("".join(rng.choice(alphabet) for _ in range(size)))
    return sorted(words)


def _real_text() -> tuple[dict[str, list[str]], dict[str, set[str]], Template | None]:
    """Article titles and tag names per edition from the link graph; the capture's template."""
    titles: dict[str, list[str]] = {}
    tags: dict[str, set[str]] = {}
    if LINK_GRAPH.exists():
        seen: set[tuple[str, str]] = set()
        with LINK_GRAPH.open(encoding="utf-8") as stream:
            rows = csv.reader(stream, delimiter="\t")
            next(rows)
            for _source, target, _xpath, _position, anchor in rows:
                info = classify(target)
                if not info.edition:
                    continue
                text = " ".join(anchor.split())
                if info.is_article and len(text) >= 12 and (info.edition, text) not in seen:
                    seen.add((info.edition, text))
                    titles.setdefault(info.edition, []).append(text)
                if info.kind == "tag" and info.tag:
                    tags.setdefault(info.edition, set()).add(info.tag.replace("-", " "))
    template = None
    if CAPTURE.exists():
        item = extract_article(
            HtmlResponse(CAPTURE_URL, body=CAPTURE.read_bytes(), encoding="utf-8")
        )
        body = item.get("body_text") or ""
        sentences = [s.strip() for s in re.split(r"[。\n]+", f"{item.get('lead', '')}。{body}")]
        titles.setdefault("cn", []).extend(s for s in sentences if len(s) >= 8)
        html = item.get("body_html") or ""
        paragraphs, headings = html.count("<p>"), html.count("<h2>")
        image = item.get("image") or {}
        template = Template(
            lead_chars=len(item.get("lead") or ""),
            kicker=item.get("kicker") or "",
            caption_chars=len(image.get("caption") or ""),
            credit=image.get("credit") or "AFP",
            heading_every=max(1, paragraphs // max(headings, 1)),
            source=CAPTURE.name,
        )
    return titles, tags, template


def load_corpus(seed: int) -> Corpus:
    """Each edition's text, tags, authors and sections (real where ../shared has them)."""
    rng = random.Random(seed)
    titles, real_tags, template = _real_text()
    notes = []
    if template is None:
        notes.append(f"{CAPTURE} absent: field sizes from a plain synthetic template")
    out = {}
    for prefix, edition in editions().items():
        cjk = prefix in ("cn", "tw")
        sentences = titles.get(prefix, [])
        real = len(sentences) >= 10
        if real:
            words = sorted({w for s in sentences for w in _WORD.findall(s)})
            if cjk:
                chars = [c for s in sentences for c in s if _CJK.match(c)]
                words = sorted(
                    {"".join(chars[i : i + n]) for n in (2, 3) for i in range(0, len(chars) - n, 5)}
                )
        else:
            notes.append(f"{prefix}: no real text at hand, pseudo-words in its alphabet")
            words = _pseudo_words(rng, ALPHABETS[prefix], 800, cjk)
            sentences = [
                " ".join(rng.choice(words) for _ in range(rng.randint(6, 14))).capitalize()
                if not cjk
                else "".join(rng.choice(words) for _ in range(rng.randint(8, 20)))
                for _ in range(300)
            ]
        tags = sorted(real_tags.get(prefix, ()))
        pool = set(tags)
        while len(pool) < TAG_VOCABULARY:
            if cjk:
                pool.add(rng.choice(words) + rng.choice(("", rng.choice(words))))
            else:
                pool.add(" ".join(rng.sample(words, rng.choice((1, 1, 2)))).capitalize())
        tag_list = tags + sorted(pool - set(tags))
        rng.shuffle(tag_list)  # real tags anywhere in the ranking, not all at the top
        authors = set()
        while len(authors) < AUTHORS_PER_EDITION:
            if cjk:
                authors.add("".join(rng.sample(ALPHABETS[prefix], rng.choice((2, 3)))))
            else:
                first, last = rng.sample(words, 2)
                authors.add(f"{first.capitalize()} {last.capitalize()}")
        sections = list(edition.sections) or sorted(rng.sample(words, min(6, len(words))))
        out[prefix] = EditionText(
            sentences=sentences,
            words=words,
            tags=tag_list[:TAG_VOCABULARY],
            authors=sorted(authors),
            sections=sections,
            joiner="。" if cjk else ". ",
            real=real,
        )
    return Corpus(out, template or Template(), notes)


class ArchiveStream:
    """Article number ``serial`` of the archive, as an item the extractor could have produced.

    Articles come in clusters (one edition, one publication day, several articles), drawn in
    order; ``ensure(n)`` draws the clusters holding the first n articles.
    """

    def __init__(self, seed: int, end: dt.date, corpus: Corpus):
        self.seed = seed
        self.end = end
        self.corpus = corpus
        self.editions = list(EDITION_SHARES)
        self.shares = list(itertools.accumulate(EDITION_SHARES.values()))
        self.cluster_start = array("q", [0])  # first serial of each cluster, and one past the end
        self.cluster_info: list[tuple[str, int]] = []  # (edition, days before end)
        self._rng = random.Random(seed)
        self._tag_cum = _zipf_cumulative(TAG_VOCABULARY)
        self._author_cum = _zipf_cumulative(AUTHORS_PER_EDITION, 0.9)
        self._section_cum = {
            p: _zipf_cumulative(len(t.sections), 0.8) for p, t in corpus.editions.items()
        }
        self._tau = YEARS * 365 / math.log(RECENT_GROWTH)
        self._link_cache: dict[str, list[str]] = {}
        # Clusters are drawn so that articles (not clusters) follow EDITION_SHARES.
        weights = [share / self._cluster_mean(p) for p, share in EDITION_SHARES.items()]
        self.shares = list(itertools.accumulate(weights))

    # --- the clusters -------------------------------------------------------------------------

    @staticmethod
    def _cluster_mean(edition: str) -> float:
        """Articles a day in an edition's clusters: more in the larger newsrooms."""
        return 2 + EDITION_SHARES[edition] * 20

    def ensure(self, count: int) -> None:
        while self.cluster_start[-1] < count:
            rng = self._rng
            edition = rng.choices(self.editions, cum_weights=self.shares)[0]
            span = YEARS * 365
            # Inverse of the cumulative density exp(t / tau) over [0, span]: more recent days likelier.
            u = rng.random()
            t = self._tau * math.log(1 + u * (math.exp(span / self._tau) - 1))
            days_ago = span - int(t)
            size = max(2, round(rng.gauss(self._cluster_mean(edition), 1.2)))
            self.cluster_info.append((edition, days_ago))
            self.cluster_start.append(self.cluster_start[-1] + size)

    def _cluster(self, serial: int) -> tuple[str, dt.date]:
        self.ensure(serial + 1)
        index = bisect.bisect_right(self.cluster_start, serial) - 1
        edition, days_ago = self.cluster_info[index]
        return edition, self.end - dt.timedelta(days=days_ago)

    # --- one article ----------------------------------------------------------------------------

    def _rng_for(self, serial: int, salt: int = 0) -> random.Random:
        return random.Random((self.seed << 44) ^ (serial << 4) ^ salt)

    def revisions_of(self, serial: int) -> int:
        """How many times article ``serial`` is edited after its first fetch (0, 1 or 2)."""
        rng = self._rng_for(serial, 1)
        if rng.randrange(REVISED_ONE_IN):
            return 0
        return 2 if rng.random() < 0.2 else 1

    def article(
        self, serial: int, fetched_at: dt.datetime | None = None, day: dt.date | None = None
    ) -> dict[str, Any]:
        """Article ``serial`` of the archive; ``day`` publishes it on that day instead of its
        cluster's (an article a crawl finds new today), its URL and content id dated so."""
        edition, cluster_day = self._cluster(serial)
        day = day or cluster_day
        text = self.corpus.editions[edition]
        template = self.corpus.template
        rng = self._rng_for(serial)
        hour = min(23, max(0, round(rng.gauss(12, 4))))
        published = dt.datetime.combine(
            day, dt.time(hour, rng.randrange(60), rng.randrange(60)), dt.UTC
        )
        modified = published + dt.timedelta(seconds=rng.choice((0, 15, 40, 600, 3600, 7200)))
        section = rng.choices(text.sections, cum_weights=self._section_cum[edition])[0]
        title = rng.choice(text.sentences)[:120]
        cjk = text.joiner == "。"
        slug_words = (list(title[:24]) if cjk else title.lower().split()[:8]) + [str(serial)]
        # RFI's slugs keep letters, digits and hyphens: "#", "?", "/" or "%" in a title would make
        # a fragment, a query or a path of the URL (and two articles one URL).
        words = (re.sub(r"[#?/%&=+\\]", "", w).strip(".,:;!?«»\"'“”()") for w in slug_words)
        slug = "-".join(w for w in words if w)
        url = encode_url(f"https://www.rfi.fr/{edition}/{section}/{published:%Y%m%d}-{slug}")
        content_id = f"WBMZ{serial + 100000}-RFI-{edition.upper()}-{published:%Y%m%d}"
        lead = self._prose(rng, text, template.lead_chars * (1 if cjk else 3) // 2)
        paragraphs = self._paragraphs(rng, text, serial)
        body_text = "\n\n".join(paragraphs)
        tags = list(
            dict.fromkeys(rng.choices(text.tags, cum_weights=self._tag_cum, k=rng.randint(2, 6)))
        )
        authors = [
            self._author(edition, name)
            for name in dict.fromkeys(
                rng.choices(
                    text.authors, cum_weights=self._author_cum, k=rng.choice((0, 1, 1, 1, 2))
                )
            )
        ]
        # Backfilled articles were fetched long after publication; recent ones within hours.
        if fetched_at is None:
            fetched_at = max(
                published + dt.timedelta(minutes=rng.randint(5, 360)),
                dt.datetime.combine(
                    self.end - dt.timedelta(days=rng.randint(0, 700)), dt.time(), dt.UTC
                ),
            )
        item: dict[str, Any] = {
            "url": url,
            "content_id": content_id,
            "edition": edition,
            "language": editions()[edition].language,
            "section": section,
            "kicker": template.kicker if edition == "cn" else rng.choice(text.tags),
            "content_type": rng.choices(("article", "podcast", "video"), (90, 7, 3))[0],
            "title": title,
            "lead": lead,
            "body_html": self._html(rng, text, paragraphs, edition, published),
            "body_text": body_text,
            "authors": authors,
            "published_at": published,
            "modified_at": modified,
            "tags": tags,
            "keywords": [section, *tags],
            "media": [],
            "live_posts": [],
            "word_count": count_words(body_text),
            "content_hash": content_hash(title, lead, body_text),
            "fetched_at": fetched_at.replace(microsecond=fetched_at.microsecond // 1000 * 1000),
        }
        if rng.random() < 0.9:
            item["image"] = {
                "url": f"https://s.rfi.fr/media/display/{uuid.UUID(int=rng.getrandbits(128))}"
                f"/w:1280/p:16x9/{published:%Y-%m-%dT%H%M%SZ}-{serial}.jpg",
                "caption": self._prose(rng, text, template.caption_chars * (1 if cjk else 3) // 2),
                "credit": template.credit,
            }
        if item["content_type"] == "podcast":
            item["media"] = [
                {
                    "kind": "audio",
                    "url": f"https://aod-rfi.akamaized.net/{edition}/{serial}.mp3",
                    "duration": rng.randint(120, 1800),
                }
            ]
        twin = {"cn": ("tw", "zh-Hant"), "tw": ("cn", "zh-Hans")}.get(edition)
        if twin:
            item["twin_urls"] = {twin[1]: url.replace(f"/{edition}/", f"/{twin[0]}/", 1)}
        return item

    def edited(
        self, serial: int, item: dict[str, Any], number: int, now: dt.datetime
    ) -> dict[str, Any]:
        """Version ``number`` + 1 of an article: RFI added a paragraph (and, once, retitled it)."""
        text = self.corpus.editions[item["edition"]]
        rng = self._rng_for(serial, 2 + number)
        addition = self._prose(rng, text, 200)
        body_text = f"{item['body_text']}\n\n{addition}"
        title = (
            item["title"]
            if number > 1
            else f"{item['title']}{text.joiner.strip() or ':'} {rng.choice(text.words)}"
        )
        fetched = min(item["fetched_at"] + dt.timedelta(hours=rng.randint(1, 48) * number), now)
        return {
            **item,
            "title": title,
            "body_text": body_text,
            "body_html": f"{item['body_html']}<p>{addition}</p>",
            "modified_at": item["modified_at"] + dt.timedelta(hours=number),
            "word_count": count_words(body_text),
            "content_hash": content_hash(title, item["lead"], body_text),
            "fetched_at": fetched.replace(microsecond=fetched.microsecond // 1000 * 1000),
        }

    def crawl(self, number: int) -> dict[str, Any]:
        """Crawl record ``number`` of the ``crawls`` history, in the shape the pipeline writes."""
        rng = self._rng_for(number, 7)
        started = dt.datetime.combine(self.end, dt.time(), dt.UTC) - dt.timedelta(
            minutes=rng.randint(0, 730 * 1440)
        )
        name = rng.choices(("fronts", "sitemaps", "archive", "article"), (70, 20, 8, 2))[0]
        spider = SimpleNamespace(
            name=name, arguments={"editions": rng.choice(self.editions)}, settings=None
        )
        record = crawl_record(
            new_crawl_id(name, started), spider, started, "mongodb://db:27017", "rfi"
        )
        new = rng.randint(0, 200)
        record.update(
            finished_at=started + dt.timedelta(seconds=rng.randint(30, 1800)),
            status="finished",
            finish_reason="finished",
            counts={
                "new": new,
                "updated": rng.randint(0, 5),
                "unchanged": rng.randint(0, 400),
                "stale": 0,
                "dropped": 0,
                "spilled": 0,
            },
            errors={"downloader/response_status_count/404": rng.randint(0, 3)},
        )
        return record

    # --- text -------------------------------------------------------------------------------------

    def _prose(self, rng: random.Random, text: EditionText, chars: int) -> str:
        out, size = [], 0
        while size < chars:
            sentence = rng.choice(text.sentences)
            out.append(sentence)
            size += len(sentence)
        return text.joiner.join(out) + text.joiner.strip()

    def _paragraphs(self, rng: random.Random, text: EditionText, serial: int) -> list[str]:
        target = int(BODY_TEXT_BYTES * rng.uniform(0.6, 1.4))
        paragraphs, size = [], 0
        while size < target:
            paragraph = text.joiner.join(
                rng.choice(text.sentences) for _ in range(rng.randint(2, 5))
            )
            paragraphs.append(paragraph + text.joiner.strip())
            size += len(paragraph.encode()) + 2
        # A number of its own keeps every article's text (and content hash) distinct.
        paragraphs[rng.randrange(len(paragraphs))] += f" ({serial})"
        return paragraphs

    def _html(
        self,
        rng: random.Random,
        text: EditionText,
        paragraphs: list[str],
        edition: str,
        published: dt.datetime,
    ) -> str:
        every = self.corpus.template.heading_every
        parts = []
        for n, paragraph in enumerate(paragraphs):
            if n and n % every == 0:
                parts.append(f"<h2><strong>{rng.choice(text.sentences)[:60]}</strong></h2>")
            parts.append(f"<p>{paragraph}</p>")
        size = sum(len(part.encode()) for part in parts)
        target = sum(len(p.encode()) for p in paragraphs) * BODY_HTML_BYTES // BODY_TEXT_BYTES
        if rng.random() < 0.5:
            image = uuid.UUID(int=rng.getrandbits(128))
            parts.append(
                f'<figure><img src="https://s.rfi.fr/media/display/{image}/w:640/p:16x9/'
                f'{published:%Y%m%d}.jpg" alt="{rng.choice(text.sentences)[:80]}">'
                f"<figcaption>{rng.choice(text.sentences)}</figcaption></figure>"
            )
        # Links to related articles, as RFI's bodies link the same edition's earlier articles.
        links = self._links(edition)
        while size < target:
            link = rng.choice(links)
            parts.append(f"<p><strong>{rng.choice(text.words)}</strong> {link}</p>")
            size += len(link.encode()) + 40
        return "".join(parts)

    def _links(self, edition: str) -> list[str]:
        """Links to 200 other articles of the edition (their URLs percent-encoded as RFI's)."""
        links = self._link_cache.get(edition)
        if links is None:
            rng = random.Random(self.seed ^ hash(edition) & 0xFFFF)
            text = self.corpus.editions[edition]
            links = []
            for n in range(200):
                title = rng.choice(text.sentences)
                day = self.end - dt.timedelta(days=rng.randint(1, YEARS * 365))
                words = title.lower().split()[:8] if text.joiner != "。" else list(title[:20])
                path = f"/{edition}/{rng.choice(text.sections)}/{day:%Y%m%d}-{'-'.join(words)}-{n}"
                links.append(f'<a href="{encode_url("https://www.rfi.fr" + path)}">{title}</a>')
            self._link_cache[edition] = links
        return links

    def _author(self, edition: str, name: str) -> dict[str, Any]:
        words = editions()[edition].author_words
        slug = "-".join(name.lower().split())
        return {
            "name": name,
            "url": encode_url(f"https://www.rfi.fr/{edition}/{words[0]}/{slug}/")
            if words
            else None,
        }


def fingerprint(items: list[dict[str, Any]]) -> str:
    """A short digest of some articles, to show that a seed reproduces the same archive."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(item["content_hash"].encode())
    return digest.hexdigest()[:12]
