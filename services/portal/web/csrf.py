"""CSRF protection: every form carries the session's token; every POST must send it back.

The token is random per session (renewed at login) and lives in the signed session cookie, which
another site can neither read nor forge; SameSite=Lax keeps the cookie off cross-site POSTs too.
"""

from __future__ import annotations

import hmac

FIELD = "csrf_token"


class CsrfRefused(Exception):
    """A POST without the session's token: answered with a 403 page, nothing done."""


def check(expected: str, sent: object) -> None:
    if not isinstance(sent, str) or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRefused("the form's security token is missing or wrong")
