"""rficrawl's features as Scrapy add-ons: one add-on switches one feature on, with its components
and their defaults.

``settings.py`` lists them in ``ADDONS``; before a crawl starts, Scrapy calls each one's
``update_settings``. An add-on whose switch is off raises ``NotConfigured`` there and leaves the
settings untouched, so Scrapy's own components stay in place: Scrapy's scheduler and duplicate
filter without Redis, its plain HTTP download handler without the browser, no item pipeline
without a store. Scrapy's "Enabled addons" log line lists the features a crawl runs with.

A feature's defaults are set with the ``addon`` priority, below ``project``: settings.py, a spider's
``custom_settings`` and ``-s NAME=VALUE`` override any of them. Its components are added key by key
to Scrapy's component dictionaries (``DOWNLOADER_MIDDLEWARES``, ``ITEM_PIPELINES``,
``DOWNLOAD_HANDLERS``...) with the same priority, so a dictionary given in settings.py or with
``-s`` that names one of them decides its order (``None`` turns it off).

The features:

- ``rficrawl.frontier.addon.FrontierAddon``: the shared Redis frontier (switch ``REDIS_URL``);
- ``rficrawl.store.addon.StoreAddon``: storage in MongoDB and the known-article skip (switch
  ``MONGO_URI``);
- ``rficrawl.browser.addon.BrowserAddon``: Chromium for the pages that need it (switch
  ``RFICRAWL_BROWSER_ENABLED``);
- ``rficrawl.health.addon.HealthAddon``: crawl health, monitors, the unreachable-site rule and
  progress (switch ``RFICRAWL_HEALTH_ENABLED``).

- ``rficrawl.warc.addon.WarcAddon``: raw pages in WARC files (switch ``WARC_DIR``).

A feature whose settings cannot work says so in ``check`` (a :class:`SettingError` naming the
setting and what to give): ``scrapy crawl`` runs the checks of the features that are on before
anything starts (:func:`check_settings`) and ends with that one line, as for a bad ``-a``.

A new feature is one more :class:`Feature` subclass in
its own package (``rficrawl/<feature>/addon.py``) and one more line in ``ADDONS``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

#: The priority of every setting an add-on writes.
PRIORITY = "addon"


class SettingError(ValueError):
    """A feature's setting with a value the feature cannot work with; the message names the
    setting, the value and what to give instead."""


class Feature:
    """Base of rficrawl's add-ons: a switch, defaults, components.

    Subclasses name their ``switch`` setting; ``components()`` gives, for each of Scrapy's
    component settings, either one import path (``SCHEDULER``) or {import path: order} for a
    component dictionary (``DOWNLOADER_MIDDLEWARES``; ``DOWNLOAD_HANDLERS`` has schemes for keys);
    ``defaults()`` returns the feature's settings with their default values, the switch included.
    ``configure()`` is the place for settings computed from others once the defaults are in.
    """

    switch: ClassVar[str]

    def components(self) -> dict[str, str | dict[str, Any]]:
        """Scrapy component settings -> what the feature puts in them."""
        return {}

    def defaults(self) -> dict[str, Any]:
        """The feature's settings and their defaults (read when the add-on runs, so that defaults
        taken from the environment are the crawl's)."""
        return {}

    def enabled(self, settings: BaseSettings) -> bool:
        """Whether the switch is on, its default counting when nothing sets it: a text switch (a
        server's URL) when it is not empty, any other one when it is true."""
        default = self.defaults()[self.switch]
        if isinstance(default, str):
            return bool((settings.get(self.switch, default) or "").strip())
        return settings.getbool(self.switch, default)

    def update_settings(self, settings: BaseSettings) -> None:
        if not self.enabled(settings):
            raise NotConfigured  # Scrapy leaves it out of "Enabled addons", without a warning
        self.set_defaults(settings)
        for setting, entries in self.components().items():
            if isinstance(entries, str):
                settings.set(setting, entries, priority=PRIORITY)
                continue
            for key, value in entries.items():
                settings[setting].set(key, value, priority=PRIORITY)
        self.configure(settings)
        self.check(settings)

    def set_defaults(self, settings: BaseSettings) -> None:
        """Write the defaults where nothing of higher priority is set; also for commands that read
        the feature's settings outside a crawl."""
        for name, value in self.defaults().items():
            settings.set(name, value, priority=PRIORITY)

    def configure(self, settings: BaseSettings) -> None:
        """Settings derived from others (the feature is on and its defaults are set)."""

    def check(self, settings: BaseSettings) -> None:
        """Raise :class:`SettingError` for a setting the feature cannot work with (the feature
        is on and its defaults are set)."""

    def __repr__(self) -> str:
        return type(self).__name__


def check_settings(settings: BaseSettings) -> None:
    """Run the ``check`` of every feature in ``ADDONS`` that is on, on a copy of ``settings``
    with the feature's defaults: :class:`SettingError` before a crawl starts, not a traceback
    from inside it."""
    for path in settings.getdict("ADDONS"):
        addon = load_object(path) if isinstance(path, str) else path
        feature = addon() if isinstance(addon, type) else addon
        if not isinstance(feature, Feature):
            continue
        copy = settings.copy()
        feature.set_defaults(copy)
        if feature.enabled(copy):
            feature.check(copy)
