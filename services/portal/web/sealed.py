"""JSON in a cookie that the portal signed (HMAC-SHA256): the session, a login in progress.

Signed, not encrypted: what is inside may be read by its holder, never changed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def b64(data: bytes) -> str:
    """base64url without padding, as cookies and PKCE take it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(key: bytes, value: Any) -> str:
    payload = b64(json.dumps(value, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_sign(key, payload)}"


def unseal(key: bytes, sealed: str | None) -> Any:
    """What `seal` put in, or None when it is missing, malformed or signed by another key."""
    if not sealed or sealed.count(".") != 1:
        return None
    payload, signature = sealed.split(".")
    if not hmac.compare_digest(signature, _sign(key, payload)):
        return None
    try:
        return json.loads(unb64(payload))
    except ValueError:
        return None


def _sign(key: bytes, payload: str) -> str:
    return b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
