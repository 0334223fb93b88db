"""One redaction for the URIs of both servers: MongoDB (MONGO_URI) and Redis (REDIS_URL)."""

from __future__ import annotations

import pytest

from rficrawl.redaction import redact


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        # MongoDB: user and password, several hosts, options after the path
        ("mongodb://archivist:s3cret@127.0.0.1:27017/rfi?authSource=admin",
         "mongodb://archivist:***@127.0.0.1:27017/rfi?authSource=admin"),
        ("mongodb://archivist:s3cret@h1:27017,h2:27018/?replicaSet=rs0",
         "mongodb://archivist:***@h1:27017,h2:27018/?replicaSet=rs0"),
        ("mongodb+srv://archivist:p%40ss@cluster.example.org/rfi",
         "mongodb+srv://archivist:***@cluster.example.org/rfi"),
        # Redis: a password without a user, and with one (Redis 6 ACL)
        ("redis://:s3cret-frontier-pw@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("redis://crawler:s3cret@10.0.0.5:6379/0", "redis://crawler:***@10.0.0.5:6379/0"),
        # A userinfo without a colon may be a password (redis://PASSWORD@host): hidden whole
        ("redis://s3cret@127.0.0.1:6379", "redis://***@127.0.0.1:6379"),
        # nothing to hide
        ("redis://host:6379/0", "redis://host:6379/0"),
        ("mongodb://127.0.0.1:27017", "mongodb://127.0.0.1:27017"),
        ("mongodb://127.0.0.1/?appname=me@work", "mongodb://127.0.0.1/?appname=me@work"),
        ("not a uri", "not a uri"),
    ],
)
def test_password_is_replaced_and_the_rest_kept(uri, shown):
    assert redact(uri) == shown


def test_an_unescaped_at_sign_in_the_password_is_hidden_whole():
    assert redact("mongodb://archivist:s3@cr@et@127.0.0.1:27017") == "mongodb://archivist:***@127.0.0.1:27017"
