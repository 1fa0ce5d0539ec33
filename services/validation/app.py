"""The validation application: checks every captured invoice once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from fakturaportal.archive import Archive
from fakturaportal.eventstore import Meta, ServiceApplication, meta_from, new_meta
from fakturaportal.mailer import Replier
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings
from services.validation.captured import check_captured
from services.validation.config import ValidationSettings
from services.validation.domain import (
    MANDATORY_FIELDS,
    Kind,
    ValidationCase,
    check_invoice,
    is_fatal,
    judge,
    rechecked_document,
)
from services.validation.duplicates import (
    DUPLICATE_RULES,
    Entry,
    SupplierLedger,
    credited_invoice,
    duplicate_findings,
    ledger_id,
    supplier_key,
)
from services.validation.ehf import NotAnEhfDocument, validate_ehf
from services.validation.matching import (
    ORDER_RULES,
    OrderState,
    choose_order,
    findings_of,
    invoiced_quantities,
    match_invoice,
    unknown_order,
)
from services.validation.notice import dispute_notice, rejection_notice
from services.validation.orders import OrderBook, PurchaseOrder, order_book_id, order_id
from services.validation.policy import (
    Policy,
    PolicyBook,
    apply_rule_flags,
    check_rule_flags,
    policy_id,
)
from services.validation.rules import all_rules
from services.validation.suppliers import (
    FRAUD_RULES,
    AccountRegistry,
    History,
    account_of,
    account_registry_id,
    fraud_findings,
    kid_pattern,
)
from shared.schemas.events import (
    Finding,
    GoodsReceived,
    InvoiceCaptured,
    InvoiceCorrected,
    InvoiceDisputed,
    InvoiceRejected,
    OrderMatch,
    PurchaseOrderRegistered,
    Severity,
)
from shared.schemas.invoice import CanonicalInvoice, CaptureSource, DocumentKind
from shared.schemas.topics import Topic

log = logging.getLogger(__name__)


class ValidationApp(ServiceApplication):
    name = "validation"

    def __init__(
        self, settings: CommonSettings | None = None, validation: ValidationSettings | None = None
    ) -> None:
        super().__init__(settings)
        self.validation = validation or ValidationSettings()

    def on_captured(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = message.payload
        assert isinstance(payload, InvoiceCaptured)
        if self.get_or_none(payload.invoice_id) is not None:
            return  # redelivered or republished: already checked
        subject = Subject(payload.tenant_id, payload.invoice_id, payload.invoice)
        meta = meta_from(message)
        findings, credits, match = self._checked(
            subject, self.findings_for(payload), meta, processing
        )
        case = ValidationCase(
            invoice_id=payload.invoice_id,
            tenant_id=payload.tenant_id,
            invoice=payload.invoice.model_dump(mode="json"),
            registered_by=payload.registered_by,
            findings=[f.model_dump(mode="json") for f in findings],
            meta=meta,
            credits=credits,
            purchase_order=match.model_dump(mode="json") if match else None,
        )
        processing.collect_events(case)

    def on_corrected(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        """A person corrected a stopped invoice: check it again as if it had arrived so."""
        payload = cast(InvoiceCorrected, message.payload)
        case = cast(ValidationCase | None, self.get_or_none(payload.invoice_id))
        if case is None or case.tenant_id != payload.tenant_id:
            return
        if not case.rechecks(message.envelope.id):
            if case.status == "validated":
                log.info("invoice %s corrected after validation: not checked again", case.id)
            return
        subject = Subject(payload.tenant_id, payload.invoice_id, payload.invoice)
        meta = meta_from(message)
        self._forget_elsewhere(case, subject, meta, processing)
        findings, credits, match = self._checked(
            subject, self.rechecked_findings(case, payload.invoice), meta, processing
        )
        outcome = case.outcome() | {
            "invoice": payload.invoice.model_dump(mode="json"),
            "findings": [f.model_dump(mode="json") for f in findings],
            "credits": credits,
            "purchase_order": match.model_dump(mode="json") if match else None,
        }
        case.recheck(
            correction=message.envelope.id,
            corrected_by=payload.corrected_by,
            case=outcome,
            meta=meta,
        )
        processing.collect_events(case)

    def rechecked_findings(
        self, case: ValidationCase, corrected: CanonicalInvoice
    ) -> list[Finding]:
        """The document's findings on the corrected invoice (see `rechecked_document`)."""
        if _captured_from_pictures(corrected):
            return check_captured(corrected)
        earlier = [Finding.model_validate(f) for f in case.findings]
        return rechecked_document(earlier, corrected)

    def _forget_elsewhere(
        self,
        case: ValidationCase,
        subject: Subject,
        meta: Meta,
        processing: ProcessingEvent[UUID],
    ) -> None:
        """A corrected seller: the old supplier's ledger no longer holds the invoice."""
        before = supplier_key(CanonicalInvoice.model_validate(case.invoice))
        if before is None or before == supplier_key(subject.invoice):
            return
        old = self.supplier(subject.tenant_id, before)
        if old is not None and old.holds(str(subject.invoice_id)):
            old.forget(invoice_id=str(subject.invoice_id), meta=meta)
            processing.collect_events(old)

    def _checked(
        self,
        subject: Subject,
        found: list[Finding],
        meta: Meta,
        processing: ProcessingEvent[UUID],
    ) -> tuple[list[Finding], str | None, OrderMatch | None]:
        """The document's findings, then the supplier's history and the orders: findings, the
        invoice a credit note credits, and the order matched (used up when the invoice goes on)."""
        policy = self.policy_for(subject.tenant_id)
        findings = apply_rule_flags(found, policy.rules)
        credits: str | None = None
        match: OrderMatch | None = None
        if not is_fatal(findings):
            more, credits = self._against_ledger(subject, policy, meta, processing)
            match, on_order = self._against_orders(subject, policy)
            findings = apply_rule_flags(findings + more + on_order, policy.rules)
        if match is not None and _uses_up_order(match, findings):
            order = cast(PurchaseOrder, self.get_or_none(match.order_id))
            if order.consume(str(subject.invoice_id), invoiced_quantities(match), meta):
                processing.collect_events(order)
        return findings, credits, match

    def _against_orders(
        self, subject: Subject, policy: Policy
    ) -> tuple[OrderMatch | None, list[Finding]]:
        """The order the invoice names (BT-13), else the supplier's open order it fits."""
        invoice = subject.invoice
        if invoice.kind is DocumentKind.CREDIT_NOTE:
            return None, []
        reference = (invoice.order_reference or "").strip()
        if reference:
            order = self.order(subject.tenant_id, reference)
            state = order.state() if order else None
            if state is None:
                return None, [unknown_order(reference)] if self._uses_orders(subject) else []
            match = match_invoice(invoice, state, policy)
            return match, findings_of(match)
        supplier = (invoice.seller.legal_id or "").replace(" ", "")
        if not supplier:
            return None, []
        chosen = choose_order(invoice, self._open_orders(subject.tenant_id, supplier), policy)
        return chosen, findings_of(chosen) if chosen else []

    def _open_orders(self, tenant_id: str, supplier: str) -> list[OrderState]:
        book = cast(OrderBook | None, self.get_or_none(order_book_id(tenant_id, supplier)))
        states = []
        for number in book.numbers if book else []:
            order = self.order(tenant_id, number)
            state = order.state() if order else None
            if state is not None and state.open:
                states.append(state)
        return states

    def _uses_orders(self, subject: Subject) -> bool:
        """An unknown order number is worth a warning only where orders are registered at all."""
        supplier = (subject.invoice.seller.legal_id or "").replace(" ", "")
        return (
            bool(supplier)
            and self.get_or_none(order_book_id(subject.tenant_id, supplier)) is not None
        )

    def _against_ledger(
        self,
        subject: Subject,
        policy: Policy,
        meta: Meta,
        processing: ProcessingEvent[UUID],
    ) -> tuple[list[Finding], str | None]:
        """Duplicates of, and the invoice credited by, this supplier's earlier documents.

        The invoice's own entry (there when it is checked again after a correction) is never
        its own duplicate, and is replaced by the corrected values."""
        invoice = subject.invoice
        supplier = supplier_key(invoice)
        if supplier is None:
            return [], None
        found = self.supplier(subject.tenant_id, supplier)
        ledger = found or SupplierLedger(tenant_id=subject.tenant_id, supplier=supplier)
        entry = Entry.of(str(subject.invoice_id), invoice)
        earlier = [e for e in ledger.earlier() if e.invoice_id != entry.invoice_id]
        findings = duplicate_findings(earlier, entry, policy.duplicate_window_days)
        findings += self._payment_details(subject, supplier, ledger, meta, findings, processing)
        credited = (
            credited_invoice(earlier, entry, invoice.preceding_invoice)
            if entry.credit_note
            else None
        )
        ledger.record(entry=entry.as_dict(), meta=meta)
        processing.collect_events(ledger)
        return findings, credited.invoice_id if credited else None

    def _payment_details(
        self,
        subject: Subject,
        supplier: str,
        ledger: SupplierLedger,
        meta: Meta,
        flagged: list[Finding],
        processing: ProcessingEvent[UUID],
    ) -> list[Finding]:
        """Possible payment diversion: a new account or KID pattern, or another's account."""
        account = account_of(subject.invoice)
        pattern = kid_pattern(subject.invoice.payment_id)
        registry = self.registry(subject.tenant_id)
        history = History(frozenset(ledger.accounts), frozenset(ledger.kid_patterns))
        owner = registry.owners.get(account) if account else None
        findings = fraud_findings(history, account, pattern, owner, supplier)
        clean = not findings and not flagged
        if (
            clean
            and subject.invoice.kind is not DocumentKind.CREDIT_NOTE
            and _trust(subject, supplier, ledger, registry, meta)
        ):
            processing.collect_events(registry)
        return findings

    def registry(self, tenant_id: str) -> AccountRegistry:
        found = cast(AccountRegistry | None, self.get_or_none(account_registry_id(tenant_id)))
        return found or AccountRegistry(tenant_id=tenant_id)

    # --- a person's decision on a flagged invoice -------------------------------------------

    def case(self, tenant_id: str, invoice_id: UUID) -> ValidationCase:
        """The tenant's case of the invoice; another tenant's is never found."""
        case = cast(ValidationCase | None, self.get_or_none(invoice_id))
        if case is None or case.tenant_id != tenant_id:
            raise CaseNotFound(f"no validation case for invoice {invoice_id}")
        return case

    def decide_flag(
        self,
        tenant_id: str,
        invoice_id: UUID,
        person: str,
        roles: Collection[str],
        kind: Kind,
        note: str,
    ) -> ValidationCase:
        """Release or reject a flagged invoice, with what the release sets going, in one save;
        a repeated request answers the recorded decision (FlagRefused when the rules forbid)."""
        for _ in range(5):
            case = self.case(tenant_id, invoice_id)
            if not judge(case.flag_state(), person, roles, kind, note):
                return case
            meta = new_meta(tenant_id, correlation_id=case.correlation_id)
            changed: list[Aggregate] = [case]
            if kind == "released":
                changed += self._released_effects(case, meta)
                case.release(by=person, note=note, meta=meta)
            else:
                case.reject(by=person, reason=note, meta=meta)
            try:
                self.save(*changed)
                return case
            except IntegrityError:
                continue
        raise ConcurrentChange(
            "the invoice changed meanwhile; try again",
            "Fakturaen ble endret i mellomtiden. Prøv igjen.",
        )

    def _released_effects(self, case: ValidationCase, meta: Meta) -> list[Aggregate]:
        """What an unflagged invoice would have done: use up its order, and teach the supplier's
        account and KID pattern (a released payment-diversion flag vouches for them)."""
        changed: list[Aggregate] = []
        invoice = CanonicalInvoice.model_validate(case.invoice)
        stored = case.purchase_order
        if stored:
            match = OrderMatch.model_validate(stored)
            order = self.order(case.tenant_id, match.order_number)
            if order and order.consume(str(case.id), invoiced_quantities(match), meta):
                changed.append(order)
        supplier = supplier_key(invoice)
        if supplier is None or invoice.kind is DocumentKind.CREDIT_NOTE:
            return changed
        subject = Subject(case.tenant_id, case.id, invoice)
        ledger = self.supplier(case.tenant_id, supplier) or SupplierLedger(
            tenant_id=case.tenant_id, supplier=supplier
        )
        registry = self.registry(case.tenant_id)
        changed.append(ledger)
        if _trust(subject, supplier, ledger, registry, meta):
            changed.append(registry)
        return changed

    def findings_for(self, payload: InvoiceCaptured) -> list[Finding]:
        """EHF originals get the official rule set; PDF and OCR captures the checks that apply."""
        if _captured_from_pictures(payload.invoice):
            return check_captured(payload.invoice)
        if payload.document.media_type == "application/xml":
            try:
                original = self.archive.read(payload.document.sha256)
            except FileNotFoundError:
                log.warning(
                    "original %s not in the archive; checking captured fields only",
                    payload.document.sha256,
                )
            else:
                try:
                    return validate_ehf(original).findings
                except NotAnEhfDocument:
                    pass  # CII or other structured XML: the canonical checks decide
        return check_invoice(payload.invoice)

    @property
    def archive(self) -> Archive:
        return Archive(self.settings.archive_path)

    def on_rejected(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        """Tell the supplier why, once: the notice is recorded with the message's position."""
        payload = cast(InvoiceRejected, message.payload)
        case = cast(ValidationCase | None, self.get_or_none(payload.invoice_id))
        if case is None or getattr(case, "notified", None):
            return  # rejected by intake (its channel answers), or already told
        to = ((case.invoice or {}).get("seller") or {}).get("email")
        if not to:
            return
        notice = rejection_notice(
            invoice=case.invoice,
            invoice_id=str(payload.invoice_id),
            findings=payload.findings,
            to=to,
            sender=self.validation.notice_from,
            at=message.envelope.time,
            reason=payload.reason,
        )
        self.mailer.send(notice)
        case.notify_supplier(to=to, message_id=str(notice["Message-ID"]), meta=meta_from(message))
        processing.collect_events(case)

    def on_disputed(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        """Approval disputed the invoice: tell the supplier why, once (we know their address)."""
        payload = cast(InvoiceDisputed, message.payload)
        case = cast(ValidationCase | None, self.get_or_none(payload.invoice_id))
        if case is None or case.tenant_id != payload.tenant_id:
            return
        if getattr(case, "dispute_notified", None):
            return
        to = ((case.invoice or {}).get("seller") or {}).get("email")
        if not to:
            return
        notice = dispute_notice(
            invoice=case.invoice,
            invoice_id=str(payload.invoice_id),
            reason=payload.reason,
            to=to,
            sender=self.validation.notice_from,
            at=message.envelope.time,
        )
        self.mailer.send(notice)
        case.notify_dispute(to=to, message_id=str(notice["Message-ID"]), meta=meta_from(message))
        processing.collect_events(case)

    @property
    def mailer(self) -> Replier:
        return self.validation.mailer(self.settings.data_dir)

    # --- tenant policy ----------------------------------------------------------------------

    def default_policy(self) -> Policy:
        return Policy(duplicate_window_days=self.validation.duplicate_window_days)

    def policy_for(self, tenant_id: str) -> Policy:
        book = cast(PolicyBook | None, self.get_or_none(policy_id(tenant_id)))
        return book.current(self.default_policy()) if book else self.default_policy()

    def policy_history(self, tenant_id: str) -> list[dict[str, Any]]:
        return self.changes(policy_id(tenant_id), "Changed", "changed_by", "policy")

    def change_policy(self, tenant_id: str, policy: Policy, user: str) -> Policy:
        check_rule_flags(policy.rules, official_rule_flags())
        meta = new_meta(tenant_id, correlation_id=str(policy_id(tenant_id)))
        for _ in range(5):
            book = cast(PolicyBook | None, self.get_or_none(policy_id(tenant_id)))
            book = book or PolicyBook(tenant_id=tenant_id)
            book.change(policy=policy.model_dump(mode="json"), changed_by=user, meta=meta)
            try:
                self.save(book)
                return policy
            except IntegrityError:
                continue
        raise ConcurrentChange(
            "the policy changed meanwhile; try again",
            "Kontrollreglene ble endret i mellomtiden; prøv igjen.",
        )

    # --- purchase orders and goods receipts -------------------------------------------------

    def order(self, tenant_id: str, number: str) -> PurchaseOrder | None:
        found = cast(PurchaseOrder | None, self.get_or_none(order_id(tenant_id, number)))
        return found if found is not None and found.tenant_id == tenant_id else None

    def register_order(self, order: PurchaseOrderRegistered) -> bool:
        """True when new, False when this exact order was registered before."""
        meta = new_meta(order.tenant_id, correlation_id=str(order.order_id))
        return self._save_retrying(lambda: self._registered(order, meta))

    def receive_goods(self, receipt: GoodsReceived) -> bool:
        meta = new_meta(receipt.tenant_id, correlation_id=str(receipt.order_id))
        return self._save_retrying(lambda: self._received(receipt, meta, must_exist=True))

    def _registered(self, order: PurchaseOrderRegistered, meta: Meta) -> tuple[bool, list[Any]]:
        aggregate = self.order(order.tenant_id, order.order_number) or PurchaseOrder(
            tenant_id=order.tenant_id, number=order.order_number
        )
        body = order.model_dump(mode="json", exclude={"tenant_id", "order_id"})
        if not aggregate.register(body, meta):
            return False, []
        changed: list[Any] = [aggregate]
        book_id = order_book_id(order.tenant_id, order.supplier_legal_id)
        book = cast(OrderBook | None, self.get_or_none(book_id)) or OrderBook(
            tenant_id=order.tenant_id, supplier=order.supplier_legal_id
        )
        if order.order_number not in book.numbers:
            book.add(number=order.order_number, meta=meta)
            changed.append(book)
        return True, changed

    def _received(
        self, receipt: GoodsReceived, meta: Meta, must_exist: bool
    ) -> tuple[bool, list[Any]]:
        aggregate = self.order(receipt.tenant_id, receipt.order_number)
        if aggregate is None or (must_exist and not aggregate.registered):
            if must_exist:
                raise UnknownOrder(
                    f"no purchase order {receipt.order_number} is registered",
                    f"Innkjøpsordre {receipt.order_number} er ikke registrert.",
                )
            aggregate = PurchaseOrder(tenant_id=receipt.tenant_id, number=receipt.order_number)
        if aggregate.registered:
            known = {line["line_id"] for line in (aggregate.order or {})["lines"]}
            unknown = sorted({line.line_id for line in receipt.lines} - known)
            if unknown:
                lines = ", ".join(unknown)
                raise UnknownOrder(
                    f"order {receipt.order_number} has no line {lines}",
                    f"Ordre {receipt.order_number} har ingen linje {lines}.",
                )
        body = receipt.model_dump(mode="json", exclude={"tenant_id", "order_id"})
        if not aggregate.receive(body, meta):
            return False, []
        return True, [aggregate]

    def _save_retrying(self, attempt: Callable[[], tuple[bool, list[Any]]]) -> bool:
        for _ in range(5):
            created, changed = attempt()
            if not changed:
                return created
            try:
                self.save(*changed)
                return created
            except IntegrityError:
                continue
        raise ConcurrentChange(
            "the order changed meanwhile; try again",
            "Ordren ble endret i mellomtiden; prøv igjen.",
        )

    def on_order_registered(
        self, message: InboundMessage, processing: ProcessingEvent[UUID]
    ) -> None:
        """Orders an ERP publishes on the topic; our own come back here and change nothing."""
        payload = cast(PurchaseOrderRegistered, message.payload)
        _, changed = self._registered(payload, meta_from(message))
        processing.collect_events(*changed)

    def on_goods_received(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = cast(GoodsReceived, message.payload)
        _, changed = self._received(payload, meta_from(message), must_exist=False)
        processing.collect_events(*changed)

    # --- supplier master data ---------------------------------------------------------------

    def supplier(self, tenant_id: str, legal_id: str) -> SupplierLedger | None:
        return cast(SupplierLedger | None, self.get_or_none(ledger_id(tenant_id, legal_id)))

    def register_supplier(self, tenant_id: str, data: dict[str, Any], user: str) -> None:
        """Master data from a person: the account and KID shape later invoices must keep to."""
        legal_id: str = data["legal_id"]
        account: str | None = data.get("account")
        meta = new_meta(tenant_id, correlation_id=str(ledger_id(tenant_id, legal_id)))
        for _ in range(5):
            ledger = self.supplier(tenant_id, legal_id) or SupplierLedger(
                tenant_id=tenant_id, supplier=legal_id
            )
            registry = cast(
                AccountRegistry | None, self.get_or_none(account_registry_id(tenant_id))
            ) or AccountRegistry(tenant_id=tenant_id)
            owner = registry.owners.get(account) if account else None
            if owner is not None and owner != legal_id:
                raise SupplierRefused(
                    f"account {account} belongs to supplier {owner} already",
                    f"Kontoen {account} tilhører allerede leverandøren {owner}.",
                )
            ledger.register_master_data(
                name=data.get("name"),
                email=data.get("email"),
                account=account,
                kid_pattern=data.get("kid_pattern"),
                registered_by=user,
                meta=meta,
            )
            changed: list[Any] = [ledger]
            if account and owner is None:
                registry.learn(
                    account=account,
                    supplier=legal_id,
                    invoice_id=f"registered by {user}",
                    meta=meta,
                )
                changed.append(registry)
            try:
                self.save(*changed)
                return
            except IntegrityError:
                continue
        raise ConcurrentChange(
            "the supplier changed meanwhile; try again",
            "Leverandøren ble endret i mellomtiden; prøv igjen.",
        )

    handlers = {
        Topic.INVOICE_CAPTURED: on_captured,
        Topic.INVOICE_CORRECTED: on_corrected,
        Topic.INVOICE_REJECTED: on_rejected,
        Topic.INVOICE_DISPUTED: on_disputed,
        Topic.PURCHASE_ORDER_REGISTERED: on_order_registered,
        Topic.GOODS_RECEIVED: on_goods_received,
    }


@dataclass(frozen=True)
class Subject:
    """The invoice a check looks at: as captured, or as a person corrected it."""

    tenant_id: str
    invoice_id: UUID
    invoice: CanonicalInvoice


def _trust(
    subject: Subject,
    supplier: str,
    ledger: SupplierLedger,
    registry: AccountRegistry,
    meta: Meta,
) -> bool:
    """An accepted invoice teaches the supplier's account and KID pattern; True when the
    tenant's account registry learned the account's owner too."""
    account = account_of(subject.invoice)
    ledger.trust(account=account, kid_pattern=kid_pattern(subject.invoice.payment_id), meta=meta)
    if not account or account in registry.owners:
        return False
    registry.learn(
        account=account, supplier=supplier, invoice_id=str(subject.invoice_id), meta=meta
    )
    return True


def _captured_from_pictures(invoice: CanonicalInvoice) -> bool:
    """Read from a PDF or a scan (or typed in): the captured-field checks apply."""
    sources = {p.source for p in invoice.provenance.values()}
    return bool(sources) and sources <= {
        CaptureSource.PDF_TEXT,
        CaptureSource.OCR,
        CaptureSource.MANUAL,
    }


class UnknownOrder(LookupError):
    """A goods receipt for an order (or order line) that is not registered; `reason_nb` in
    bokmål."""

    def __init__(self, reason: str, reason_nb: str) -> None:
        super().__init__(reason)
        self.reason_nb = reason_nb


class CaseNotFound(LookupError):
    pass


class SupplierRefused(ValueError):
    """Master data that contradicts another supplier's; `reason_nb` in bokmål."""

    def __init__(self, reason: str, reason_nb: str) -> None:
        super().__init__(reason)
        self.reason_nb = reason_nb


class ConcurrentChange(RuntimeError):
    """Someone else changed the same thing at the same time; `reason_nb` in bokmål."""

    def __init__(self, reason: str, reason_nb: str) -> None:
        super().__init__(reason)
        self.reason_nb = reason_nb


def _uses_up_order(match: OrderMatch, findings: list[Finding]) -> bool:
    """Only an invoice that goes on uses up the order: a flagged one waits for its owner."""
    flagging = DUPLICATE_RULES | FRAUD_RULES | ORDER_RULES
    return (
        match.within_tolerance
        and not is_fatal(findings)
        and not any(f.rule_id in flagging for f in findings)
    )


def official_rule_flags() -> dict[str, Severity]:
    flags = {rule_id: spec.flag for rule_id, spec in all_rules().items()}
    flags.update({f.rule_id: Severity.FATAL for f in MANDATORY_FIELDS})
    return flags
