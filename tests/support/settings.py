"""rficrawl's settings as a crawl sees them, for tests that build components in-process.

``project_settings`` gives settings.py's values (with the tests' overrides); ``settings_with_addons``
gives them after Scrapy has applied the add-ons of ``ADDONS``, as in ``scrapy crawl``: each
feature's defaults and components are in, for the features whose switch is on.
"""

from __future__ import annotations

from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from rficrawl import settings as project


def project_settings(**overrides: object) -> dict[str, object]:
    values = {name: getattr(project, name) for name in dir(project) if name.isupper()}
    return {**values, "REMOTE_CONTROL_ENABLED": False, **overrides}


def settings_with_addons(**overrides: object) -> Settings:
    return get_crawler(settings_dict=project_settings(**overrides)).settings
