"""The approval application: opens a case for every coded invoice, records every decision.

The organisation comes from the tenant's `OrganisationBook`; a tenant that has set up none gets
a fallback built from `FP_APPROVAL_APPROVERS` (one attestation step, as the walking skeleton had).
The clock is `ApprovalSettings.now` (shifted by `FP_APPROVAL_CLOCK_OFFSET_HOURS`), or whatever
callable a test passes as `clock`.

Every command reads the case and the organisation afresh, and retries when another writer got
there first (optimistic concurrency): refusals are the domain's (`Refusal`, nothing recorded).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError

from fakturaportal.eventstore import Meta, ServiceApplication, meta_from, new_meta
from fakturaportal.mailer import Replier
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings
from fakturaportal.telemetry import continue_trace
from services.approval.case import ApprovalCase, Decision, Visibility
from services.approval.config import ApprovalSettings
from services.approval.domain import ApprovalCase as LegacyCase
from services.approval.inbox import OpenStep, assignees_for, why
from services.approval.index import OpenSteps
from services.approval.organisation import (
    Organisation,
    OrganisationBook,
    OrganisationRefused,
    Problem,
    Role,
    StepKind,
    SupplierContact,
    User,
    organisation_id,
)
from services.approval.sod import Refusal, conflict
from services.approval.unrouted import Unrouted, unrouted_id
from shared.schemas.events import CodingLine, InvoiceCoded, InvoiceSummary
from shared.schemas.topics import Topic

log = logging.getLogger(__name__)
T = TypeVar("T")
ANY_STEP_DUTIES = ("registered", "coded", "supplier-linked")
"""Duties that bar a person from every step of an invoice: named first, whatever else is wrong."""
FALLBACK_LIMIT = Decimal("9999999999999.99")


class CaseNotFound(LookupError):
    pass


def fallback_organisation(
    approvers: Sequence[str], accountants: Sequence[str], registered_by: str | None = None
) -> Organisation:
    """The walking skeleton's organisation: approvers attest (one step, no budget step), the
    first of them who did not register the invoice gets what no buyer reference names."""
    users: dict[str, set[Role]] = {}
    for who in accountants:
        users.setdefault(who, set()).add(Role.ACCOUNTANT)
    for who in approvers:
        users.setdefault(who, set()).update({Role.ATTESTANT, Role.BUDGET_HOLDER})
    inbox = next((a for a in approvers if a != registered_by), approvers[0] if approvers else None)
    return Organisation.model_validate(
        {
            "users": [{"id": u, "roles": sorted(r)} for u, r in users.items()],
            "authority": [
                {"role": Role.BUDGET_HOLDER, "cost_centre": "*", "max_amount": FALLBACK_LIMIT}
            ],
            "routing": {"ap_inbox": inbox},
            "budget_approval": False,
        }
    )


class ApprovalApp(ServiceApplication):
    name = "approval"

    def __init__(
        self,
        settings: CommonSettings | None = None,
        approval: ApprovalSettings | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(settings)
        self.approval = approval or ApprovalSettings()
        self.clock = clock or self.approval.now
        self.open_steps = OpenSteps(self, self.settings)

    def close(self) -> None:
        self.open_steps.close()
        super().close()

    # --- the organisation -------------------------------------------------------------------

    def book(self, tenant_id: str) -> OrganisationBook | None:
        found = self.get_or_none(organisation_id(tenant_id))
        return found if isinstance(found, OrganisationBook) else None

    def has_organisation(self, tenant_id: str) -> bool:
        book = self.book(tenant_id)
        return book is not None and bool(book.sections)

    def organisation(self, tenant_id: str, registered_by: str | None = None) -> Organisation:
        book = self.book(tenant_id)
        if book is not None and book.sections:
            return book.current()
        return fallback_organisation(
            self.approval.approvers_for(tenant_id), self.approval.accountants, registered_by
        )

    def change_organisation(
        self, tenant_id: str, section: str, value: Any, user: str
    ) -> Organisation:
        def attempt(book: OrganisationBook, meta: Meta) -> Organisation:
            return book.change(section, value, user, meta)

        return self._on_book(tenant_id, attempt)

    def add_supplier_contact(self, tenant_id: str, contact: SupplierContact, user: str) -> User:
        """Invite a supplier's contact (see `OrganisationBook.add_supplier_contact`)."""
        added: list[User] = []

        def attempt(book: OrganisationBook, meta: Meta) -> Organisation:
            added[:] = [book.add_supplier_contact(contact, user, meta)]
            return book.current()

        self._on_book(tenant_id, attempt)
        return added[0]

    def set_substitute(
        self,
        tenant_id: str,
        user_id: str,
        substitute: str | None,
        valid_from: datetime | None,
        valid_to: datetime | None,
        changed_by: str,
    ) -> Organisation:
        def attempt(book: OrganisationBook, meta: Meta) -> Organisation:
            if substitute is None:
                book.clear_substitute(user_id, changed_by, meta)
                return book.current()
            if valid_from is None or valid_to is None:
                raise OrganisationRefused(
                    [
                        Problem(
                            "a substitute needs valid_from and valid_to",
                            "en stedfortreder trenger en periode (fra og til)",
                        )
                    ]
                )
            return book.set_substitute(user_id, substitute, valid_from, valid_to, changed_by, meta)

        return self._on_book(tenant_id, attempt)

    def organisation_history(self, tenant_id: str) -> list[dict[str, Any]]:
        book_id = organisation_id(tenant_id)
        changes = self.changes(book_id, "Changed", "section", "value", "changed_by")
        changes += [
            c | {"section": "substitutes"}
            for c in self.changes(book_id, "SubstituteSet", "substitution", "changed_by")
        ]
        changes += [
            c | {"section": "substitutes", "cleared": True}
            for c in self.changes(book_id, "SubstituteCleared", "user", "changed_by")
        ]
        return sorted(changes, key=lambda c: int(c["version"]))

    def _on_book(
        self, tenant_id: str, attempt: Callable[[OrganisationBook, Meta], Organisation]
    ) -> Organisation:
        meta = new_meta(tenant_id, correlation_id=str(organisation_id(tenant_id)))
        for _ in range(5):
            book = self.book(tenant_id) or OrganisationBook(tenant_id=tenant_id)
            result = attempt(book, meta)
            try:
                self.save(book)
                return result
            except IntegrityError:
                continue
        raise _concurrent("the organisation")

    # --- opening a case -----------------------------------------------------------------------

    def on_coded(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = cast(InvoiceCoded, message.payload)
        if self.get_or_none(payload.invoice_id) is not None:
            return  # redelivered or republished: the case is open already
        if self.get_or_none(unrouted_id(payload.invoice_id)) is not None:
            return
        meta = meta_from(message)
        org = self.organisation(payload.tenant_id, payload.registered_by)
        order_owner = payload.purchase_order.owner if payload.purchase_order else None
        try:
            case = ApprovalCase.request(
                invoice_id=payload.invoice_id,
                tenant_id=payload.tenant_id,
                summary=payload.invoice,
                lines=payload.lines,
                registered_by=payload.registered_by,
                coded_by=None,
                org=org,
                at=self.clock(),
                meta=meta,
                order_owner=order_owner,
                rate=payload.invoice.nok_rate,
            )
        except Refusal as refused:
            log.warning("invoice %s cannot be routed: %s", payload.invoice_id, refused.reason)
            processing.collect_events(
                Unrouted(
                    invoice_id=payload.invoice_id,
                    tenant_id=payload.tenant_id,
                    summary=payload.invoice.model_dump(mode="json"),
                    lines=[line.model_dump(mode="json") for line in payload.lines],
                    registered_by=payload.registered_by,
                    code=refused.code,
                    reason=refused.reason_en,
                    reason_nb=refused.reason_nb,
                    meta=meta,
                    order_owner=order_owner,
                )
            )
            return
        processing.collect_events(case)

    def unrouted(self, tenant_id: str, invoice_id: UUID) -> Unrouted | None:
        found = self.get_or_none(unrouted_id(invoice_id))
        if isinstance(found, Unrouted) and found.tenant_id == tenant_id:
            return found
        return None

    def route_again(
        self, tenant_id: str, invoice_id: UUID, user: str, rate: Decimal | None = None
    ) -> ApprovalCase:
        """After the organisation was fixed (or, for an invoice in another currency that states
        no NOK rate, with the `rate` a finance admin gives): opens the case it waits for."""
        waiting = self.unrouted(tenant_id, invoice_id)
        if waiting is None or waiting.routed_by is not None:
            raise CaseNotFound(invoice_id)
        meta = new_meta(tenant_id, correlation_id=str(invoice_id))
        summary = InvoiceSummary.model_validate(waiting.summary)
        case = ApprovalCase.request(
            invoice_id=invoice_id,
            tenant_id=tenant_id,
            summary=summary,
            lines=[CodingLine.model_validate(line) for line in waiting.lines],
            registered_by=waiting.registered_by,
            coded_by=None,
            org=self.organisation(tenant_id, waiting.registered_by),
            at=self.clock(),
            meta=meta,
            order_owner=waiting.order_owner,
            rate=rate or summary.nok_rate,
        )
        waiting.routed(routed_by=user, meta=meta)
        try:
            self.save(waiting, case)
        except IntegrityError as exc:
            raise _concurrent("the invoice") from exc
        return case

    # --- reading ----------------------------------------------------------------------------

    def case_for(self, tenant_id: str, invoice_id: UUID) -> ApprovalCase | None:
        case = self.get_or_none(invoice_id)
        if isinstance(case, ApprovalCase) and case.tenant_id == tenant_id:
            return case
        return None

    def inbox(self, tenant_id: str, user: str) -> list[tuple[OpenStep, str, str | None]]:
        """Steps awaiting the user (or someone they stand in for, or escalated to them), each with
        why and on whose behalf: one query on the read model, no case loaded."""
        now = self.clock()
        org = self.organisation(tenant_id)
        found: list[tuple[OpenStep, str, str | None]] = []
        for row in self.open_steps.mine(tenant_id, assignees_for(org, user, now), user):
            reason = why(row, org, user, now)
            if reason is not None:
                found.append((row, *reason))
        return found

    # --- commands on a case -----------------------------------------------------------------

    def approve(
        self, tenant_id: str, invoice_id: UUID, user: str, step_id: str | None = None
    ) -> tuple[ApprovalCase, Decision]:
        def act(case: ApprovalCase, org: Organisation, now: datetime, meta: Meta) -> Decision:
            refused = conflict(user, StepKind.ATTESTATION, case.involvement(org=org), org)
            if refused is not None and refused.code in ANY_STEP_DUTIES:
                raise refused
            return case.approve(user, now, org, meta, step_id=step_id)

        return self._on_case(tenant_id, invoice_id, "approve invoice", act)

    def dispute(
        self, tenant_id: str, invoice_id: UUID, user: str, reason: str
    ) -> tuple[ApprovalCase, None]:
        return self._on_case(
            tenant_id,
            invoice_id,
            "dispute invoice",
            lambda case, org, now, meta: case.dispute(user, reason, now, org, meta),
        )

    def forward(
        self,
        tenant_id: str,
        invoice_id: UUID,
        user: str,
        to: str,
        note: str,
        step_id: str | None = None,
    ) -> tuple[ApprovalCase, list[str]]:
        return self._on_case(
            tenant_id,
            invoice_id,
            "forward invoice",
            lambda case, org, now, meta: case.forward(user, to, note, now, org, meta, step_id),
        )

    def recode(
        self, tenant_id: str, invoice_id: UUID, user: str, lines: Sequence[CodingLine]
    ) -> tuple[ApprovalCase, object]:
        return self._on_case(
            tenant_id,
            invoice_id,
            "recode invoice",
            lambda case, org, now, meta: case.recode(user, lines, now, org, meta),
        )

    def hold(
        self, tenant_id: str, invoice_id: UUID, user: str, until: datetime, reason: str | None
    ) -> tuple[ApprovalCase, None]:
        return self._on_case(
            tenant_id,
            invoice_id,
            "hold invoice",
            lambda case, org, now, meta: case.hold(user, until, now, org, meta, reason),
        )

    def comment(
        self,
        tenant_id: str,
        invoice_id: UUID,
        user: str,
        text: str,
        visibility: Visibility = "internal",
        reply_to: str | None = None,
        question_to: str | None = None,
    ) -> tuple[ApprovalCase, str]:
        return self._on_case(
            tenant_id,
            invoice_id,
            "comment on invoice",
            lambda case, org, now, meta: case.comment(
                user, text, now, org, meta, visibility, reply_to, question_to
            ),
        )

    def legacy_case(self, tenant_id: str, invoice_id: UUID) -> LegacyCase | None:
        """A case the walking skeleton opened before the approval flow: shown, never acted on."""
        case = self.get_or_none(invoice_id)
        if isinstance(case, LegacyCase) and case.tenant_id == tenant_id:
            return case
        return None

    def _on_case(
        self,
        tenant_id: str,
        invoice_id: UUID,
        span: str,
        act: Callable[[ApprovalCase, Organisation, datetime, Meta], T],
    ) -> tuple[ApprovalCase, T]:
        for _ in range(5):
            case = self.case_for(tenant_id, invoice_id)
            if case is None and self.legacy_case(tenant_id, invoice_id) is not None:
                raise Refusal(
                    "legacy-case",
                    "this invoice was routed by the walking skeleton, before the approval flow: "
                    "it can be read, not acted on",
                    "fakturaen ble rutet før godkjenningsflyten kom: den kan leses, ikke behandles",
                    status=409,
                )
            if case is None:
                raise CaseNotFound(invoice_id)
            org = self.organisation(tenant_id, case.registered_by)
            with continue_trace(span, self._invoice_traceparent(invoice_id)):
                meta = new_meta(tenant_id, correlation_id=str(invoice_id))
                result = act(case, org, self.clock(), meta)
                try:
                    self.save(case)
                    return case, result
                except IntegrityError:
                    continue
        raise _concurrent("the invoice")

    def _invoice_traceparent(self, invoice_id: UUID) -> str | None:
        first = next(iter(self.repository.event_store.get(invoice_id, limit=1)), None)
        meta: dict[str, str] = getattr(first, "meta", {}) or {}
        return meta.get("traceparent")

    @property
    def mailer(self) -> Replier:
        return self.approval.mailer(self.settings.data_dir)

    handlers = {Topic.INVOICE_CODED: on_coded}


def _concurrent(what: str) -> Refusal:
    return Refusal(
        "concurrent",
        f"{what} changed meanwhile; try again",
        "det ble endret i mellomtiden; prøv igjen",
        status=409,
    )
