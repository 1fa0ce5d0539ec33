"""HTTP plumbing the services share: refusals in two languages, and request bodies read with a
limit (a client cannot make a service hold more than it allows).

A refusal answers `{"detail": <English>, "reason_nb": <bokmål>}` (plus e.g. `code`, `details`)
with its 4xx status: API clients and tests read `detail` as before, the portal shows a person
the text in their language. Raise `Refused` anywhere below a route of a router made with
`route_class=RefusingRoute`; the route renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute


class Refused(HTTPException):
    """A request the service will not do, with the reason in English and in bokmål.

    It is an HTTPException, so outside a `RefusingRoute` it still answers its status with the
    English `detail`; inside one, the answer carries `reason_nb` and the extras too.
    """

    def __init__(self, status: int, detail: str, reason_nb: str, **extra: Any) -> None:
        super().__init__(status, detail)
        self.reason = detail
        self.reason_nb = reason_nb
        self.extra = {k: v for k, v in extra.items() if v is not None}

    def body(self) -> dict[str, Any]:
        return refusal_body(self.reason, self.reason_nb, **self.extra)

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status_code, headers=self.headers)


def refusal_body(detail: Any, reason_nb: str, **extra: Any) -> dict[str, Any]:
    """The one shape of a refusal's body across the services."""
    body: dict[str, Any] = {"detail": detail, "reason_nb": reason_nb}
    return body | {k: v for k, v in extra.items() if v is not None}


def refusal(status: int, detail: Any, reason_nb: str, **extra: Any) -> JSONResponse:
    return JSONResponse(refusal_body(detail, reason_nb, **extra), status_code=status)


class RefusingRoute(APIRoute):
    """A route that answers a `Refused` raised while handling it in both languages, and a
    request its models refuse as FastAPI does (`detail` is the list of errors) plus bokmål."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def refusing(request: Request) -> Response:
            try:
                return await handle(request)
            except Refused as exc:
                return exc.response()
            except RequestValidationError as exc:
                errors = jsonable_encoder(exc.errors())
                said = "; ".join(_field_error(e) for e in errors)
                return refusal(422, errors, f"Ugyldige verdier i forespørselen: {said}")

        return refusing


def _field_error(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return f"{where}: {error.get('msg', '')}" if where else str(error.get("msg", ""))


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, or 413 as soon as it (or its declared length) passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


def too_large(limit: int) -> Refused:
    return Refused(413, f"larger than {limit} bytes", f"større enn {limit} byte")
