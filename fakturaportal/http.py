"""Request bodies read with a limit: a client cannot make a service hold more than it allows."""

from __future__ import annotations

from fastapi import HTTPException, Request


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, or 413 as soon as it (or its declared length) passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise HTTPException(413, f"larger than {limit} bytes")
    return bytes(body)
