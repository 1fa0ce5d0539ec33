"""Finance's pages: the cockpit, payment runs (propose, four-eyes release, cancel, the file), the
bank's answers, and the supplier's view of being paid (the planned date, an early-payment offer).

Every action is a call to the payment service as the person, so its rules decide (who may
propose, that the proposer never releases); a refusal comes back on the page in the reader's
language. The cockpit reads the status projection directly (every row of its window, a page
at a time, so its totals and charts count all of them) and the payment service's book and runs,
and draws its charts as server-side SVG (`charts.py`).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from fakturaportal.auth import Principal
from fakturaportal.settings import CommonSettings
from services.audit.projection import list_statuses_since, read_status
from services.portal.config import PortalSettings
from services.portal.web import charts, i18n
from services.portal.web.backend import Backend
from services.portal.web.metrics import OTHERS, SOURCES, Cockpit, Spread, cockpit, window_start
from services.portal.web.session import Session
from services.portal.web.supplier import theirs
from services.portal.web.ui import SUPPLIER_ROLES, PageError, Web, money

OSLO = ZoneInfo("Europe/Oslo")
COCKPIT_ROLES = ("finance-admin", "auditor", "accountant", "payment-approver")
"""Finance and the auditors; accountants and payment approvers work with the same numbers."""
RUN_READERS = ("accountant", "finance-admin", "payment-approver", "auditor")
PROPOSERS = ("accountant", "finance-admin", "payment-approver")
RELEASERS = ("payment-approver",)
IMPORTERS = ("payment-approver", "finance-admin", "accountant")
RESOLVERS = ("payment-approver", "finance-admin")
"""As the payment API has them (`services/payment/api.py`): the pages only show what it allows."""
RUNS_IN_FORECAST = 10


def week_label(day: date, lang: str) -> str:
    return ("U" if lang == "nb" else "W") + str(day.isocalendar().week)


MONTHS = {
    "nb": ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


def month_label(day: date, lang: str) -> str:
    return f"{MONTHS[lang][day.month - 1]} {day.year}"


def kroner(value: float) -> str:
    """Axis and tooltip amounts: whole kroner, Norwegian style."""
    return money(round(value)).removesuffix(",00")


def build_router(
    web: Web, backend: Backend, common: CommonSettings, portal: PortalSettings
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    payment = f"{portal.service_url_payment}/api/v1"

    # --- the cockpit ----------------------------------------------------------------------------

    @router.get("/finance/cockpit", response_class=HTMLResponse)
    async def cockpit_page(request: Request) -> Response:
        session = web.signed_in(request, *COCKPIT_ROLES)
        who = session.principal()
        today = datetime.now(OSLO).date()
        since = datetime.combine(window_start(today), time.min, OSLO)
        rows, items, runs = await asyncio.gather(
            run_in_threadpool(list_statuses_since, common, who.tenant, since),
            backend.call(who, "GET", f"{payment}/payment/items?status=open"),
            backend.call(who, "GET", f"{payment}/payment-runs?limit={RUNS_IN_FORECAST}"),
        )
        open_items = items.body["items"] if items.ok else []
        payments = await run_payments(who, runs.body["runs"] if runs.ok else [])
        made = cockpit(rows, today, open_items, payments)
        return web.render(
            request,
            "finance_cockpit.html",
            title_key="fin.cockpit.title",
            c=made,
            kpis=kpis(made, i18n.translator(web.lang(request))),
            charts=cockpit_charts(made, web.lang(request), i18n.translator(web.lang(request))),
            payment_data=items.ok and runs.ok,
        )

    async def run_payments(who: Principal, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The payments of the runs that are not cancelled (proposed, released or sent)."""
        live = [r for r in runs if r["status"] != "cancelled"]
        replies = await asyncio.gather(
            *(backend.call(who, "GET", f"{payment}/payment-runs/{r['run_id']}") for r in live)
        )
        return [p for reply in replies if reply.ok for p in reply.body["items"]]

    # --- payment runs ---------------------------------------------------------------------------

    @router.get("/finance/payment-runs", response_class=HTMLResponse)
    async def runs_page(request: Request) -> Response:
        return await runs_list(request)

    async def runs_list(
        request: Request, error: str | None = None, status: int = 200, **extra: Any
    ) -> Response:
        session = web.signed_in(request, *RUN_READERS)
        who = session.principal()
        runs, setup = await asyncio.gather(
            backend.call(who, "GET", f"{payment}/payment-runs"),
            backend.call(who, "GET", f"{payment}/payment/settings"),
        )
        if not runs.ok:
            raise PageError(runs.status if runs.status in (403, 404) else 502)
        return web.render(
            request,
            "finance_runs.html",
            status=status,
            title_key="fin.runs.title",
            runs=runs.body["runs"],
            accounts=setup.body.get("debtor_accounts", []) if setup.ok else [],
            may_propose=session.has_any(*PROPOSERS),
            error=error,
            **extra,
        )

    @router.post("/finance/payment-runs", response_class=HTMLResponse)
    async def propose(request: Request) -> Response:
        session = web.signed_in(request, *PROPOSERS)
        form = await web.checked_form(request)
        body = {
            "horizon": str(form.get("horizon") or "").strip() or None,
            "debtor_account": str(form.get("debtor_account") or "").strip() or None,
        }
        reply = await backend.call(
            session.principal(), "POST", f"{payment}/payment-runs", json=body
        )
        if not reply.ok:
            details = reply.body.get("details") if isinstance(reply.body, dict) else None
            held = details.get("held", []) if isinstance(details, dict) else []
            status = reply.status if reply.status >= 400 else 502
            return await runs_list(request, web.refusal(request, reply), status, held=held)
        run_id = reply.body["run_id"]
        return web.redirect(request, f"/finance/payment-runs/{run_id}?done=run_proposed")

    @router.get("/finance/payment-runs/{run_id}", response_class=HTMLResponse)
    async def run_page(request: Request, run_id: UUID) -> Response:
        return await run_view(request, run_id)

    async def run_view(
        request: Request, run_id: UUID, error: str | None = None, status: int = 200
    ) -> Response:
        session = web.signed_in(request, *RUN_READERS)
        reply = await backend.call(session.principal(), "GET", f"{payment}/payment-runs/{run_id}")
        if not reply.ok:
            raise PageError(404 if reply.status in (404, 422) else 502)
        run = reply.body
        return web.render(
            request,
            "finance_run.html",
            status=status,
            title_key="fin.run.title",
            run=run,
            names=invoice_names(run),
            may_release=session.has_any(*RELEASERS) and run["status"] == "proposed",
            may_cancel=session.has_any(*PROPOSERS) and run["status"] == "proposed",
            error=error,
        )

    @router.post("/finance/payment-runs/{run_id}/{action}", response_class=HTMLResponse)
    async def act(request: Request, run_id: UUID, action: str) -> Response:
        if action not in ("approve", "cancel"):
            raise PageError(404)
        session = web.signed_in(request, *(RELEASERS if action == "approve" else PROPOSERS))
        await web.checked_form(request)
        reply = await backend.call(
            session.principal(), "POST", f"{payment}/payment-runs/{run_id}/{action}"
        )
        if reply.status == 404:
            raise PageError(404)
        if not reply.ok:
            return await run_view(request, run_id, web.refusal(request, reply), reply.status)
        done = "released" if action == "approve" else "cancelled"
        return web.redirect(request, f"/finance/payment-runs/{run_id}?done=run_{done}")

    @router.get("/finance/payment-runs/{run_id}/files/{file_name}")
    async def run_file(request: Request, run_id: UUID, file_name: str) -> Response:
        """The pain.001 file as recorded and sent: a download, never shown as a page of ours."""
        session = web.signed_in(request, *RUN_READERS)
        url = f"{payment}/payment-runs/{run_id}/files/{file_name}"
        reply = await backend.call(session.principal(), "GET", url)
        if not reply.ok:
            raise PageError(404)
        safe = "".join(c for c in file_name if c.isalnum() or c in "-_.") or "pain001.xml"
        headers = {
            "Content-Disposition": f'attachment; filename="{safe}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        }
        return Response(reply.content, media_type="application/xml", headers=headers)

    # --- the bank's answers ---------------------------------------------------------------------

    @router.get("/finance/bank", response_class=HTMLResponse)
    async def bank_page(request: Request) -> Response:
        return await bank_view(request)

    async def bank_view(
        request: Request,
        error: str | None = None,
        status: int = 200,
        counts: dict[str, Any] | None = None,
    ) -> Response:
        session = web.signed_in(request, *RUN_READERS)
        reply = await backend.call(session.principal(), "GET", f"{payment}/bank-files/unmatched")
        if not reply.ok:
            raise PageError(reply.status if reply.status in (403, 404) else 502)
        return web.render(
            request,
            "finance_bank.html",
            status=status,
            title_key="fin.bank.title",
            records=reply.body["records"],
            counts=counts,
            may_import=session.has_any(*IMPORTERS),
            may_resolve=session.has_any(*RESOLVERS),
            error=error,
        )

    @router.post("/finance/bank", response_class=HTMLResponse)
    async def bank_upload(request: Request) -> Response:
        session = web.signed_in(request, *IMPORTERS)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > portal.portal_max_body_bytes:
            raise PageError(413, "error.413")
        form = await web.checked_form(request)
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return await bank_view(request, web.t(request, "fin.bank.file_missing"), 422)
        reply = await backend.call(
            session.principal(),
            "POST",
            f"{payment}/bank-files",
            files={"file": (file.filename, await file.read(), "application/xml")},
        )
        if not reply.ok:
            reason = web.t(request, "fin.bank.bad_file", reason=reply.reason(web.lang(request)))
            return await bank_view(request, reason, reply.status if reply.status >= 400 else 502)
        return await bank_view(request, counts=reply.body)

    @router.post("/finance/bank/unmatched/{key}/resolve", response_class=HTMLResponse)
    async def resolve(request: Request, key: str) -> Response:
        session = web.signed_in(request, *RESOLVERS)
        form = await web.checked_form(request)
        reply = await backend.call(
            session.principal(),
            "POST",
            f"{payment}/bank-files/unmatched/{key}/resolve",
            json={"note": str(form.get("note", "")).strip()},
        )
        if not reply.ok:
            reason = web.refusal(request, reply)
            return await bank_view(request, reason, reply.status)
        return web.redirect(request, "/finance/bank?done=bank_resolved")

    # --- the supplier: being paid ---------------------------------------------------------------

    async def supplier_row(session: Session, invoice_id: UUID) -> dict[str, Any]:
        assert session.tenant is not None
        row = await run_in_threadpool(read_status, common, session.tenant, str(invoice_id))
        if row is None or not theirs(row, session):
            raise PageError(404)
        return row

    def as_supplier(session: Session, row: dict[str, Any]) -> Principal:
        """The supplier's token names the supplier they act for here: payment checks it."""
        return replace(session.principal(), supplier_orgnr=row.get("supplier_orgnr"))

    @router.get("/supplier/invoices/{invoice_id}/payment", response_class=HTMLResponse)
    async def supplier_payment(request: Request, invoice_id: UUID) -> Response:
        return await supplier_payment_view(request, invoice_id)

    async def supplier_payment_view(
        request: Request, invoice_id: UUID, error: str | None = None, status: int = 200
    ) -> Response:
        session = web.signed_in(request, *SUPPLIER_ROLES)
        row = await supplier_row(session, invoice_id)
        reply = await backend.call(
            as_supplier(session, row), "GET", f"{payment}/payment/items/{invoice_id}"
        )
        return web.render(
            request,
            "finance_supplier_payment.html",
            status=status,
            title_key="fin.supplier.title",
            row=row,
            item=reply.body if reply.ok else None,
            error=error,
        )

    @router.post("/supplier/invoices/{invoice_id}/early-payment", response_class=HTMLResponse)
    async def early_payment(request: Request, invoice_id: UUID) -> Response:
        session = web.signed_in(request, *SUPPLIER_ROLES)
        form = await web.checked_form(request)
        row = await supplier_row(session, invoice_id)
        offer: dict[str, Any] = {"percent_per_30_days": decimal_text(form.get("percent"))}
        cap = decimal_text(form.get("max_percent"))
        if cap:
            offer["max_percent"] = cap
        reply = await backend.call(
            as_supplier(session, row),
            "POST",
            f"{payment}/invoices/{invoice_id}/early-payment",
            json=offer,
        )
        if not reply.ok:
            reason = web.refusal(request, reply)
            return await supplier_payment_view(request, invoice_id, reason, reply.status)
        return web.redirect(request, f"/supplier/invoices/{invoice_id}/payment?done=offer")

    return router


def invoice_names(run: dict[str, Any]) -> dict[str, str]:
    """Invoice id -> "supplier · number", to name held and excluded items in a run."""
    names = {}
    for entry in (*run["items"], *run["settled_by_credit"], *run["held"]):
        who = entry.get("creditor_name") or entry.get("supplier_id") or ""
        names[entry["invoice_id"]] = f"{who} · {entry.get('invoice_number') or '–'}"
    return names


def kpis(made: Cockpit, t: i18n.Translate) -> list[tuple[str, str, str | None]]:
    """The key figures: (name, the figure, a line below it)."""

    def days(value: float | None) -> str:
        return "–" if value is None else t("fin.kpi.days", days=charts.plain(value))

    def p90(spread: Spread) -> str:
        return t("fin.kpi.p90", p90=days(spread.p90), count=spread.count)

    done, coded = made.touchless
    of_coded = t("fin.kpi.of_coded", done=done, coded=coded)
    return [
        ("received", str(sum(made.received)), t("fin.kpi.weeks", weeks=len(made.weeks))),
        ("touchless", percent(made.touchless_percent), of_coded),
        ("to-approval", days(made.to_approval.median), p90(made.to_approval)),
        ("to-payment", days(made.to_payment.median), p90(made.to_payment)),
        ("overdue", money(made.overdue[1], "NOK"), t("fin.kpi.invoices", count=made.overdue[0])),
        (
            "lost",
            money(made.lost_discounts[1], "NOK"),
            t("fin.kpi.invoices", count=made.lost_discounts[0]),
        ),
        ("taken", money(made.discounts_taken, "NOK"), None),
    ]


def cockpit_charts(made: Cockpit, lang: str, t: i18n.Translate) -> dict[str, Any]:
    """Every chart of the cockpit with its legend and the rows of its data table."""
    weeks = [week_label(w, lang) for w in made.weeks]
    months = [month_label(m, lang) for m in made.months]
    ahead = [week_label(w, lang) for w in made.week_starts]
    days = [d.strftime("%d.%m") for d in made.days]

    def named(key: str) -> str:
        return key if key != OTHERS else t("fin.others")

    share = [v if v is not None else 0.0 for v in made.touchless_share]
    suppliers = [charts.series(named(k), v) for k, v in made.by_supplier.items()]
    accounts = [charts.series(named(k), v) for k, v in made.by_account.items()]
    weekly = made.outgoing_per_week()
    sources = [charts.series(t(f"fin.source.{s}"), weekly[s]) for s in SOURCES]
    per_day = made.outgoing_per_day()
    approvers = made.approvers[:10]
    return {
        "volumes": chart(
            charts.bar_chart(
                t("fin.chart.volumes"), t("fin.chart.volumes_desc"), weeks, made.received
            ),
            [t("fin.week"), t("fin.count")],
            [[w, str(n)] for w, n in zip(weeks, made.received, strict=True)],
        ),
        "touchless": chart(
            charts.line_chart(
                t("fin.chart.touchless"),
                t("fin.chart.touchless_desc"),
                weeks,
                [charts.series(t("fin.touchless_share"), share)],
                fmt=lambda v: f"{charts.plain(v)} %",
            ),
            [t("fin.week"), t("fin.touchless_share")],
            [[w, percent(v)] for w, v in zip(weeks, made.touchless_share, strict=True)],
        ),
        "approvers": chart(
            charts.bar_chart(
                t("fin.chart.approvers"),
                t("fin.chart.approvers_desc"),
                [a.user for a in approvers],
                [a.median_hours for a in approvers],
            ),
            [t("fin.approver"), t("fin.approved_steps"), t("fin.median_hours")],
            [[a.user, str(a.count), charts.plain(a.median_hours)] for a in approvers],
        ),
        "suppliers": stacked(
            t("fin.chart.suppliers"), t("fin.chart.suppliers_desc"), months, suppliers, t, True
        ),
        "accounts": stacked(
            t("fin.chart.accounts"), t("fin.chart.accounts_desc"), months, accounts, t, True
        ),
        "weekly": stacked(t("fin.chart.weekly"), t("fin.chart.weekly_desc"), ahead, sources, t),
        "daily": chart(
            charts.line_chart(
                t("fin.chart.daily"),
                t("fin.chart.daily_desc"),
                days,
                [charts.series(t("fin.outgoing"), per_day)],
                fmt=kroner,
            ),
            [t("fin.day"), t("fin.outgoing")],
            [[d, money(v)] for d, v in zip(days, per_day, strict=True) if v],
        ),
    }


def chart(svg: Any, head: list[str], rows: list[list[str]], keys: Any = ()) -> dict[str, Any]:
    return {"svg": svg, "head": head, "rows": rows, "legend": list(keys)}


def stacked(
    title: str,
    desc: str,
    labels: list[str],
    parts: list[charts.Series],
    t: i18n.Translate,
    row_per_series: bool = False,
) -> dict[str, Any]:
    """A stacked bar chart of amounts and its table: a row per label and a column per series,
    or (for many series over few periods, to stay narrow on a phone) the other way round."""
    if row_per_series:
        head = [t("fin.name"), *labels, t("fin.total")]
        rows = [[p.name, *(money(v) for v in p.values), money(sum(p.values))] for p in parts]
    else:
        head = [t("fin.period"), *(p.name for p in parts), t("fin.total")]
        rows = [
            [label, *(money(p.values[i]) for p in parts), money(sum(p.values[i] for p in parts))]
            for i, label in enumerate(labels)
        ]
    svg = charts.stacked_bar_chart(title, desc, labels, parts, fmt=kroner)
    return chart(svg, head, rows, charts.legend(parts))


def decimal_text(value: Any) -> str:
    """A number as a person types it (1,5 or 1.5) as the API reads it."""
    return str(value or "").strip().replace(",", ".").replace(" ", "")


def percent(value: float | None) -> str:
    return "–" if value is None else f"{charts.plain(value)} %"
