"""The one HTTP entry (:8000): invoice status from the projection, commands to the owners."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response

from fakturaportal.auth import CurrentUser, Principal
from fakturaportal.http import Refused, RefusingRoute
from fakturaportal.settings import CommonSettings
from services.audit.projection import (
    EVERY,
    BadCursor,
    page_statuses,
    read_status,
    supplier_filter,
)
from services.portal.config import PortalSettings
from services.portal.proxy import ServiceProxy
from services.portal.visibility import (
    STAFF,
    for_supplier,
    is_supplier,
    reads_everything,
    supplier_owns,
)


def readable(user: Principal) -> None:
    if not (reads_everything(user) or is_supplier(user)):
        raise Refused(
            403,
            f"requires one of the roles: {', '.join((*STAFF, 'supplier'))}",
            "Du har ingen rolle som kan lese fakturaer.",
        )


def theirs(user: Principal) -> list[str]:
    return [user.supplier_orgnr] if user.supplier_orgnr else []


def build_router(settings: CommonSettings, portal: PortalSettings) -> APIRouter:
    router = APIRouter(route_class=RefusingRoute)
    proxy = ServiceProxy(portal.portal_max_body_bytes)

    @router.get("/api/v1/invoices/{invoice_id}", tags=["invoices"])
    def get_invoice(invoice_id: UUID, user: CurrentUser) -> dict[str, Any]:
        """The invoice's status row: whole for the tenant's people, a supplier's part of it for
        their own invoice (404 for anyone else's, as if it did not exist)."""
        readable(user)
        row = read_status(settings, user.tenant, str(invoice_id))
        if row is None or not (reads_everything(user) or supplier_owns(user, row)):
            raise Refused(404, "invoice not found", "Fant ikke fakturaen.")
        return row if reads_everything(user) else for_supplier(row)

    @router.get("/api/v1/invoices", tags=["invoices"])
    def list_invoices(
        user: CurrentUser, limit: int = 100, after: str | None = None
    ) -> dict[str, Any]:
        """The tenant's invoices, last changed first, `limit` (1-500) a page; `next` is the
        cursor to pass as `after` for the page after this one (null on the last page)."""
        readable(user)
        where = EVERY if reads_everything(user) else supplier_filter(theirs(user), user.user)
        try:
            page = page_statuses(
                settings, user.tenant, min(max(limit, 1), 500), after or None, where
            )
        except BadCursor as exc:
            raise Refused(
                422,
                "`after` is not a cursor this list gave out",
                "«after» er ikke en peker fra denne listen.",
            ) from exc
        rows = page.rows if reads_everything(user) else [for_supplier(r) for r in page.rows]
        return {"invoices": rows, "next": page.next}

    @router.post("/api/v1/invoices", tags=["invoices"])
    async def upload(request: Request) -> Response:
        return await proxy.forward(request, portal.service_url_intake, "/api/v1/invoices")

    @router.post("/api/v1/invoices/{invoice_id}/corrections", tags=["invoices"])
    async def correct(invoice_id: UUID, request: Request) -> Response:
        path = f"/api/v1/invoices/{invoice_id}/corrections"
        return await proxy.forward(request, portal.service_url_intake, path)

    @router.post("/api/v1/peppol/inbound", tags=["invoices"])
    async def peppol_inbound(request: Request) -> Response:
        return await proxy.forward(request, portal.service_url_intake, "/api/v1/peppol/inbound")

    for path, method in (
        ("/api/v1/purchase-orders", "POST"),
        ("/api/v1/purchase-orders/{number}", "GET"),
        ("/api/v1/goods-receipts", "POST"),
        ("/api/v1/suppliers", "POST"),
        ("/api/v1/suppliers/{legal_id}", "GET"),
        ("/api/v1/validation/policy", "GET"),
        ("/api/v1/validation/policy", "PUT"),
        ("/api/v1/validation/policy/history", "GET"),
        ("/api/v1/invoices/{invoice_id}/flag", "GET"),
        ("/api/v1/invoices/{invoice_id}/flag/release", "POST"),
        ("/api/v1/invoices/{invoice_id}/flag/reject", "POST"),
    ):
        router.add_api_route(
            path,
            _forwarder(proxy, portal.service_url_validation),
            methods=[method],
            tags=["validation"],
        )
    for path, method in (
        ("/api/v1/coding/setup", "GET"),
        ("/api/v1/coding/setup/history", "GET"),
        ("/api/v1/coding/{section}", "PUT"),
        ("/api/v1/invoices/{invoice_id}/coding", "GET"),
        ("/api/v1/invoices/{invoice_id}/export", "POST"),
    ):
        router.add_api_route(
            path, _forwarder(proxy, portal.service_url_posting), methods=[method], tags=["posting"]
        )

    for path, method in (
        ("/api/v1/approvals/inbox", "GET"),
        ("/api/v1/invoices/{invoice_id}/approve", "POST"),
        ("/api/v1/invoices/{invoice_id}/reject", "POST"),
        ("/api/v1/invoices/{invoice_id}/forward", "POST"),
        ("/api/v1/invoices/{invoice_id}/recode", "POST"),
        ("/api/v1/invoices/{invoice_id}/hold", "POST"),
        ("/api/v1/invoices/{invoice_id}/comments", "POST"),
        ("/api/v1/invoices/{invoice_id}/approval", "GET"),
        ("/api/v1/invoices/{invoice_id}/approval/route", "POST"),
        ("/api/v1/users/{user_id}/substitute", "PUT"),
        ("/api/v1/approval/organisation", "GET"),
        ("/api/v1/approval/organisation/history", "GET"),
        ("/api/v1/approval/organisation/{section}", "PUT"),
    ):
        router.add_api_route(
            path,
            _forwarder(proxy, portal.service_url_approval),
            methods=[method],
            tags=["approval"],
        )

    @router.get("/api/v1/invoices/{invoice_id}/history", tags=["audit"])
    async def history(invoice_id: UUID, request: Request) -> Response:
        return await proxy.forward(
            request, portal.service_url_audit, f"/api/v1/invoices/{invoice_id}/history"
        )

    for path, method in (
        ("/api/v1/payment-runs", "POST"),
        ("/api/v1/payment-runs", "GET"),
        ("/api/v1/payment-runs/{run_id}", "GET"),
        ("/api/v1/payment-runs/{run_id}/files/{file_name}", "GET"),
        ("/api/v1/payment-runs/{run_id}/approve", "POST"),
        ("/api/v1/payment-runs/{run_id}/cancel", "POST"),
        ("/api/v1/payment/settings", "GET"),
        ("/api/v1/payment/settings", "PUT"),
        ("/api/v1/payment/settings/history", "GET"),
        ("/api/v1/payment/items", "GET"),
        ("/api/v1/payment/items/{invoice_id}", "GET"),
        ("/api/v1/payment/suppliers/{orgnr}/accounts", "GET"),
        ("/api/v1/payment/suppliers/{orgnr}/accounts", "PUT"),
        ("/api/v1/invoices/{invoice_id}/early-payment", "POST"),
        ("/api/v1/bank-files", "POST"),
        ("/api/v1/bank-files/unmatched", "GET"),
        ("/api/v1/bank-files/unmatched/{key}/resolve", "POST"),
    ):
        router.add_api_route(
            path, _forwarder(proxy, portal.service_url_payment), methods=[method], tags=["payment"]
        )

    return router


def _forwarder(proxy: ServiceProxy, base: str) -> Any:
    """Forwards the request as it came (the proxy adds the query) to the owning service."""

    async def forward(request: Request) -> Response:
        return await proxy.forward(request, base, request.url.path)

    return forward
