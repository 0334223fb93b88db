"""Audio and video of an article: recorded in ``media``, kept out of the body."""

from __future__ import annotations

from rficrawl.extract.article import extract_article
from tests.extract import pages


def test_player_embed_is_recorded_and_dropped_from_the_body():
    item = extract_article(pages.response(pages.with_player(pages.article_bytes())))
    assert item["media"] == [{"kind": "audio", "url": pages.AUDIO_URL, "duration": 150}]
    assert "收听节目" not in item["body_html"] and "收听节目" not in item["body_text"]
    assert item["body_text"].startswith("“T-Dome”是什么？")


def test_jsonld_audio_with_iso_duration():
    item = extract_article(pages.response(pages.with_jsonld_audio(pages.article_bytes())))
    assert item["media"] == [{"kind": "audio", "url": pages.AUDIO_URL, "duration": 150}]


def test_the_same_media_in_two_sources_is_one_entry():
    body = pages.with_jsonld_audio(pages.with_player(pages.article_bytes(), duration=None),
                                   duration="PT1H2M3S")
    item = extract_article(pages.response(body))
    assert item["media"] == [{"kind": "audio", "url": pages.AUDIO_URL, "duration": 3723}]


def test_audio_piece_without_text_is_still_an_article():
    """A podcast episode may be a player and a lead: the media make it worth keeping."""
    body = pages.with_jsonld_audio(pages.empty_body(pages.article_bytes()))
    item = extract_article(pages.response(body))
    assert item["body_text"] == ""
    assert item["media"][0]["url"] == pages.AUDIO_URL
    assert item["title"] == "台湾增加400亿美元国防开支 加速部署T-Dome防空系统"


def test_the_radio_live_stream_of_the_navigation_is_not_media():
    assert b"rfienchinois-64.mp3" in pages.article_bytes()
    item = extract_article(pages.response(pages.article_bytes()))
    assert item["media"] == []
