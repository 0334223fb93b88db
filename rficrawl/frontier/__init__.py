"""The shared frontier: many workers, one request queue and one set of duplicate filters in Redis.

Built on scrapy-redis and plugged in through Scrapy's own ``SCHEDULER`` and ``DUPEFILTER_CLASS``
settings by a Scrapy add-on switched on by ``REDIS_URL`` (docs/frontier.md):

- ``addon``: the add-on, with the frontier's components and the defaults of its settings;
- ``connection``: the Redis client and the outage breaker (wait, back off, reconnect);
- ``queue``: the leased priority queue (nothing lost when a worker dies);
- ``dupefilter``: the filter policy (re-polled kinds vs articles kept across runs; set or Bloom);
- ``seeding``: start requests as seeds of a run (spider middleware);
- ``scheduler``: the Scrapy scheduler tying them together, and the idle close.
"""
