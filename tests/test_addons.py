"""The features as Scrapy add-ons: each on by its switch, off leaving Scrapy's own components, its
defaults below every setting a user gives. (Crawls through each feature are in tests/store,
tests/frontier and tests/browser.)"""

from __future__ import annotations

import logging

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from rficrawl.browser.addon import BrowserAddon
from rficrawl.browser.escalation import EscalationMiddleware
from rficrawl.frontier.scheduler import FrontierScheduler
from rficrawl.store.pipeline import StoragePipeline
from tests.support.settings import project_settings

ALL_ON = {"MONGO_URI": "mongodb://127.0.0.1:1", "REDIS_URL": "redis://127.0.0.1:1/0"}
ALL_OFF = {"MONGO_URI": "", "REDIS_URL": "", "RFICRAWL_BROWSER_ENABLED": False,
           "RFICRAWL_HEALTH_ENABLED": False, "WARC_DIR": ""}


def crawler_for(**settings):
    return get_crawler(Spider, project_settings(**settings))


def components(crawler, name: str) -> dict:
    return crawler.settings[name].copy_to_dict()


def test_each_feature_adds_its_components_when_its_switch_is_on():
    crawler = crawler_for(**ALL_ON)
    assert [repr(addon) for addon in crawler.addons.addons] == [
        "FrontierAddon", "StoreAddon", "BrowserAddon", "HealthAddon", "WarcAddon"
    ]
    settings = crawler.settings
    assert settings["SCHEDULER"] == "rficrawl.frontier.scheduler.FrontierScheduler"
    assert settings["DUPEFILTER_CLASS"] == "rficrawl.frontier.dupefilter.FrontierDupeFilter"
    assert components(crawler, "SPIDER_MIDDLEWARES") == {
        "rficrawl.frontier.seeding.FrontierSeedMiddleware": 10,
        "rficrawl.warc.recorder.WarcPointerMiddleware": 600,
    }
    assert components(crawler, "ITEM_PIPELINES") == {"rficrawl.store.pipeline.StoragePipeline": 800}
    middlewares = components(crawler, "DOWNLOADER_MIDDLEWARES")
    assert middlewares["rficrawl.store.known.KnownArticlesMiddleware"] == 50
    assert middlewares["rficrawl.backoff.BackoffRetryMiddleware"] == 550  # settings.py's own
    assert [middlewares[f"rficrawl.browser.{path}"] for path in (
        "loadmore.LoadMoreMiddleware", "liveblog.LiveBlogMiddleware",
        "escalation.EscalationMiddleware", "always.RenderKindsMiddleware",
    )] == [543, 544, 545, 546]
    # WARC: the headers before the decompression (590), the record after it.
    assert middlewares["rficrawl.warc.recorder.ReceivedHeadersMiddleware"] == 595
    assert middlewares["rficrawl.warc.recorder.WarcRecordMiddleware"] == 585
    # Each feature's defaults, at the add-on priority.
    assert settings.getint("STORE_BATCH_SIZE") == 500
    assert settings.getfloat("FRONTIER_IDLE_TIMEOUT") == 30.0
    assert settings.getint("RFICRAWL_BROWSER_LIVEBLOG_MAX_LOADS") == 50
    assert settings.getint("WARC_MAX_SIZE") == 1_000_000_000
    assert components(crawler, "EXTENSIONS")["spidermon.contrib.scrapy.extensions.Spidermon"] == 500
    assert settings.getbool("SPIDERMON_ENABLED")
    assert settings.getpriority("STORE_BATCH_SIZE") == settings.getpriority("FRONTIER_KEY_PREFIX")
    assert settings.getpriority("STORE_BATCH_SIZE") < settings.getpriority("RFI_BASE_URL")


def test_a_feature_that_is_off_leaves_scrapys_components_and_sets_nothing():
    crawler = crawler_for(**ALL_OFF)
    assert crawler.addons.addons == []
    settings = crawler.settings
    assert load_object(settings["SCHEDULER"]).__module__ == "scrapy.core.scheduler"
    assert load_object(settings["DUPEFILTER_CLASS"]).__module__ == "scrapy.dupefilters"
    assert components(crawler, "ITEM_PIPELINES") == {}
    assert components(crawler, "SPIDER_MIDDLEWARES") == {}
    assert components(crawler, "DOWNLOADER_MIDDLEWARES") == {
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "rficrawl.backoff.BackoffRetryMiddleware": 550,
    }
    assert components(crawler, "EXTENSIONS") == {"rficrawl.extensions.statsfile.StatsFile": 900}
    for name in ("STORE_BATCH_SIZE", "FRONTIER_IDLE_TIMEOUT", "RFICRAWL_BROWSER_LIVEBLOG_MAX_LOADS",
                 "PLAYWRIGHT_LAUNCH_OPTIONS", "SPIDERMON_ENABLED", "RFICRAWL_HEALTH_HISTORY",
                 "WARC_MAX_SIZE"):
        assert name not in settings


def test_components_that_are_off_say_so():
    crawler = crawler_for(**ALL_OFF)
    with pytest.raises(NotConfigured, match="REDIS_URL"):
        FrontierScheduler.from_crawler(crawler)
    with pytest.raises(NotConfigured, match="MONGO_URI"):
        StoragePipeline.from_crawler(crawler)
    with pytest.raises(NotConfigured, match="RFICRAWL_BROWSER_ENABLED"):
        EscalationMiddleware.from_crawler(crawler)


def test_settings_a_user_gives_beat_the_defaults_and_can_turn_one_component_off():
    known = "rficrawl.store.known.KnownArticlesMiddleware"
    crawler = crawler_for(
        **ALL_ON,
        STORE_BATCH_SIZE=7,
        FRONTIER_KEPT_KINDS=[],
        DOWNLOADER_MIDDLEWARES={known: None, "rficrawl.backoff.BackoffRetryMiddleware": 550},
    )
    assert crawler.settings.getint("STORE_BATCH_SIZE") == 7
    assert crawler.settings.getlist("FRONTIER_KEPT_KINDS") == []
    assert components(crawler, "DOWNLOADER_MIDDLEWARES")[known] is None
    assert components(crawler, "ITEM_PIPELINES") == {"rficrawl.store.pipeline.StoragePipeline": 800}


def test_switch_defaults_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://10.0.0.10:6379/0")
    monkeypatch.setenv("MONGO_URI", "")
    monkeypatch.setenv("WARC_DIR", "/srv/rficrawl/warc")
    crawler = get_crawler(Spider, {
        name: value for name, value in project_settings().items()
        if name not in ("REDIS_URL", "MONGO_URI", "WARC_DIR")
    })
    assert crawler.settings["REDIS_URL"] == "redis://10.0.0.10:6379/0"
    assert crawler.settings["WARC_DIR"] == "/srv/rficrawl/warc"
    assert [repr(addon) for addon in crawler.addons.addons] == [
        "FrontierAddon", "BrowserAddon", "HealthAddon", "WarcAddon"]


def browser_settings(priority: str = "cmdline", **values) -> Settings:
    """settings.py and ``values`` (as given with -s), then the browser add-on, as Scrapy does."""
    settings = Settings()
    settings.setmodule("rficrawl.settings", priority="project")
    settings.setdict(values, priority=priority)
    BrowserAddon().update_settings(settings)
    return settings


def test_the_browser_handler_serves_http_and_https_and_launches_the_system_chromium():
    settings = browser_settings()
    handlers = settings["DOWNLOAD_HANDLERS"]
    assert handlers["http"] == handlers["https"] == "rficrawl.browser.handler.BrowserDownloadHandler"
    options = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert options["headless"] is True
    assert options["executable_path"] == "/usr/bin/chromium"
    assert "--no-sandbox" in options["args"]
    blocked = load_object(settings["PLAYWRIGHT_ABORT_REQUEST"])
    assert blocked.resource_types == {"image", "font", "media"}


def test_browser_options_given_with_s_are_completed_not_replaced():
    settings = browser_settings(PLAYWRIGHT_LAUNCH_OPTIONS='{"headless": false, "args": ["--x"]}',
                                RFICRAWL_BROWSER_CHROMIUM_PATH="/opt/chromium/chrome")
    options = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert options["headless"] is False
    assert options["executable_path"] == "/opt/chromium/chrome"
    assert options["args"][0] == "--x" and "--disable-gpu" in options["args"]


def test_a_remote_browser_gets_no_launch_options_and_a_users_abort_rule_is_kept():
    settings = browser_settings(PLAYWRIGHT_CDP_URL="http://127.0.0.1:9222",
                                PLAYWRIGHT_ABORT_REQUEST="tests.test_addons.never")
    assert settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS") == {"headless": True}
    assert settings["PLAYWRIGHT_ABORT_REQUEST"] == "tests.test_addons.never"
    empty = browser_settings(RFICRAWL_BROWSER_BLOCKED_RESOURCE_TYPES=[],
                             RFICRAWL_BROWSER_BLOCKED_HOSTS=[])
    assert not empty.get("PLAYWRIGHT_ABORT_REQUEST")
    hosts_only = browser_settings(RFICRAWL_BROWSER_BLOCKED_RESOURCE_TYPES=[])
    assert hosts_only["PLAYWRIGHT_ABORT_REQUEST"].blocked_hosts


def never(request) -> bool:
    return False


def test_a_browser_setting_under_its_old_name_is_named_in_a_warning(caplog):
    caplog.set_level(logging.WARNING, logger="rficrawl.browser.addon")
    browser_settings(PLAYWRIGHT_RENDER_KINDS="article")
    assert "Setting PLAYWRIGHT_RENDER_KINDS is now RFICRAWL_BROWSER_RENDER_KINDS" in caplog.text
