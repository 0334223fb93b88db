"""Scheduled crawls on scrapyd nodes.

``config`` reads and validates ``deploy/schedule.toml``; ``scrapyd`` talks to one scrapyd node's
JSON API; ``firing`` decides whether a job may start on a node (never twice at once) and starts it;
``runner`` keeps every job firing on its cron expression with APScheduler.
"""
