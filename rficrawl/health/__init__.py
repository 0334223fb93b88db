"""Crawl health: what a crawl checks about itself while it runs and when it ends.

A crawl that runs for years against a living site meets changed templates, blocks and outages;
the team learns of them only if the crawl checks itself. The health add-on
(``rficrawl.health.addon.HealthAddon``) switches on:

- ``tally``: the crawl's figures per edition (pages, articles, fields filled, new, dropped, errors);
- ``monitors``: spidermon monitors over those figures and the crawl stats, at close and
  periodically, with thresholds from settings and usual rates learnt from the last crawls
  (``history``); ``actions`` records their verdict in the stats and the ``crawls`` record and
  sends it where the settings say (JSON file, email, Slack, webhook);
- ``unreachable``: the end of a crawl whose site does not answer at all, and a pause during long
  runs of failures;
- ``progress``: a live line on a terminal, periodic log lines elsewhere, a summary at the end.
"""

# The stat with the monitors' verdict and the crawl's figures, kept in the ``crawls`` record as
# ``health`` (read by ``scrapy crawl`` for its exit status and by later crawls' monitors).
HEALTH_STAT = "rficrawl/health"
