"""Forwarding of API commands to the owning service, with trace context and size limits."""

from __future__ import annotations

import httpx
from fastapi import HTTPException, Request, Response

from fakturaportal.telemetry import current_traceparent

FORWARDED_HEADERS = ("authorization", "content-type", "accept", "accept-language", "x-file-name")


class ServiceProxy:
    def __init__(self, max_body_bytes: int, timeout: float = 30.0) -> None:
        self.client = httpx.AsyncClient(timeout=timeout)
        self.max_body_bytes = max_body_bytes

    async def forward(self, request: Request, base_url: str, path: str) -> Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise HTTPException(413, f"request body larger than {self.max_body_bytes} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > self.max_body_bytes:
                raise HTTPException(413, f"request body larger than {self.max_body_bytes} bytes")
        headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED_HEADERS}
        traceparent = current_traceparent()
        if traceparent:
            headers["traceparent"] = traceparent
        try:
            upstream = await self.client.request(
                request.method,
                f"{base_url}{path}",
                params=request.query_params,
                content=bytes(body),
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise HTTPException(503, f"service unavailable: {type(exc).__name__}") from exc
        disposition = upstream.headers.get("content-disposition")
        return Response(
            content=upstream.content,
            status_code=upstream.status_code,
            media_type=upstream.headers.get("content-type"),
            headers={"Content-Disposition": disposition} if disposition else None,
        )
