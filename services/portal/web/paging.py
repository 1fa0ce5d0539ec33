"""Long lists a page at a time: the projection's keyset cursor in the page's address.

A list reads `<prefix>after` (the cursor of the page, as the projection gave it) and
`<prefix>start` (where the page begins in the list, for "viser 51-100 av N" only) from the
query; its "Neste side" link carries the next page's pair and keeps every other parameter, so
each of the desk's queues pages on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request

from services.audit.projection import BadCursor, Page, decode_cursor
from services.portal.web.ui import PageError


@dataclass(frozen=True)
class Pager:
    first: int
    last: int
    total: int | None
    next_url: str | None
    first_url: str | None
    """None on the first page."""


def cursor(request: Request, prefix: str = "") -> str | None:
    """The page the reader asked for (None: the first); a cursor we did not give is a 400."""
    after = request.query_params.get(f"{prefix}after") or None
    if after is not None:
        try:
            decode_cursor(after)
        except BadCursor as exc:
            raise PageError(400) from exc
    return after


def pager(request: Request, page: Page, prefix: str = "", anchor: str = "") -> Pager:
    start = request.query_params.get(f"{prefix}start", "1")
    first = int(start) if start.isdigit() and int(start) > 0 else 1
    mine = (f"{prefix}after", f"{prefix}start")
    here = {k: v for k, v in request.query_params.items() if k not in mine}
    fragment = f"#{anchor}" if anchor else ""

    def url(extra: dict[str, str]) -> str:
        query = urlencode(here | extra)
        return f"{request.url.path}{'?' + query if query else ''}{fragment}"

    shown = len(page.rows)
    next_url = None
    if page.next is not None:
        next_url = url({f"{prefix}after": page.next, f"{prefix}start": str(first + shown)})
    on_first = request.query_params.get(f"{prefix}after") is None
    return Pager(
        first=first if shown else 0,
        last=first + shown - 1 if shown else 0,
        total=page.total,
        next_url=next_url,
        first_url=None if on_first else url({}),
    )
