"""Credentials out of URIs, for every message, log line and stored record that names a server.

MongoDB (``MONGO_URI``) and Redis (``REDIS_URL``) URIs both carry their password in the userinfo
part; whatever the scheme, a user name followed by a password stays (it tells which account
failed) and the password becomes ``***``. A userinfo without a colon is hidden whole: Redis URLs
are written ``redis://PASSWORD@host`` as often as ``redis://USER@host``.
"""

from __future__ import annotations

import re

# The authority ends at the first "/", "?" or "#" (RFC 3986: none of them may stand unescaped in a
# password); within it the userinfo ends at the last "@".
_AUTHORITY = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<authority>[^/?#]*)")


def redact(uri: str) -> str:
    """``uri`` with its password replaced by ``***`` (``user:***@host``, or ``***@host``)."""
    match = _AUTHORITY.match(uri)
    if match is None or "@" not in match["authority"]:
        return uri
    userinfo, _, hosts = match["authority"].rpartition("@")
    user, colon, _ = userinfo.partition(":")
    hidden = f"{user}:***" if colon else "***"
    return f"{match['scheme']}{hidden}@{hosts}{uri[match.end():]}"
