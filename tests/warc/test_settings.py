"""A WARC setting the writer cannot work with ends ``scrapy crawl`` before it starts, in one line."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from rficrawl import settings as project_settings
from rficrawl.addons import SettingError, check_settings
from tests.support.crawl import run_crawl


@pytest.mark.parametrize("level", ["10", "-1", "fast"])
def test_a_gzip_level_out_of_range_is_one_line_naming_the_setting_and_the_range(level, tmp_path):
    result = run_crawl("fronts", tmp_path, args={"editions": "cn"},
                       settings={"RFI_BASE_URL": "http://127.0.0.1:9",
                                 "WARC_DIR": str(tmp_path / "warc"), "WARC_GZIP_LEVEL": level})
    assert result.returncode == 2
    assert f"WARC_GZIP_LEVEL={level} is not a gzip level: give 0 to 9" in result.log
    assert "Traceback" not in result.log
    assert not (tmp_path / "warc").exists()


def _settings(**values: object) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.update(values, priority="cmdline")
    return settings


@pytest.mark.parametrize("level", [0, 2, 9, "9"])
def test_every_gzip_level_of_the_range_passes(level, tmp_path):
    check_settings(_settings(WARC_DIR=str(tmp_path), WARC_GZIP_LEVEL=level))


def test_the_gzip_level_is_not_judged_when_warc_files_are_off():
    check_settings(_settings(WARC_DIR="", WARC_GZIP_LEVEL=99))
    with pytest.raises(SettingError, match="WARC_GZIP_LEVEL=99"):
        check_settings(_settings(WARC_DIR="data/warc", WARC_GZIP_LEVEL=99))
