"""A payment proposal from the book: planning, netting, discounts and the checks. Pure: no I/O.

`plan_run` turns the open items of a tenant's book into what a run takes (`payments`, and the
invoices a credit note settles without a bank payment), what stays open with findings (`held`:
a check blocks or holds the payment), and what is left out and why. A payment stopped by a check
leaves the proposal before credit notes are netted again, so a credit never reduces a payment
that is not made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.payment.checks import CheckResult, Finding, PaymentToRelease, check_run, same_account
from services.payment.discount import DynamicOffer, Offer
from services.payment.domain import BookItem, payment_id
from services.payment.planning import PayableItem, PlannedPayment, Proposal, propose
from services.payment.setup import Setup
from shared.payment_terms import parse_terms

Data = dict[str, Any]
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class History:
    """What the checks compare a payment with: the supplier's known accounts, and the payments
    already sent or settled (not failed) as ledger data."""

    known_accounts: dict[str, list[str]]
    live_payments: Sequence[Data] = ()

    def already_paid(self, payment: PlannedPayment) -> bool:
        for sent in self.live_payments:
            if sent.get("invoice_id") == payment.invoice_id:
                return True
            if (
                payment.invoice_number
                and sent.get("supplier_id") == payment.supplier_id
                and sent.get("invoice_number") == payment.invoice_number
            ):
                return True
            if (
                payment.kid
                and sent.get("kid") == payment.kid
                and same_account(str(sent.get("creditor_account") or ""), payment.creditor_account)
            ):
                return True
        return False


@dataclass(frozen=True)
class RunPlan:
    proposal: Proposal
    payments: tuple[Data, ...]
    settled_by_credit: tuple[Data, ...]
    held: tuple[Data, ...]
    credits: dict[str, str]
    """Credit note id -> amount the run uses of it."""

    def view(self) -> Data:
        """The proposal's other parts, as recorded with the run."""
        proposal = self.proposal
        return {
            "horizon": proposal.horizon.isoformat(),
            "settled_by_credit": list(self.settled_by_credit),
            "held": list(self.held),
            "excluded": [
                {"invoice_id": e.invoice_id, "code": str(e.code), "reason": e.reason}
                for e in proposal.excluded
            ],
            "carried_forward": [
                {
                    "credit_note_id": c.credit_note_id,
                    "supplier_id": c.supplier_id,
                    "open_amount": str(c.open_amount),
                    "applied": str(c.applied),
                    "remaining": str(c.remaining),
                }
                for c in proposal.carried_forward
            ],
            "not_due": list(proposal.not_due),
            "gains": {k: str(v) for k, v in proposal.gains().items()},
            "credits": self.credits,
        }


def offer_of(item: BookItem) -> Offer | None:
    """A supplier's accepted offer wins over the invoice's own terms: it came later."""
    if item.offer:
        data = item.offer
        return DynamicOffer(
            percent=Decimal(str(data["percent"])),
            per_days=int(data.get("per_days", 30)),
            min_days_early=int(data.get("min_days_early", 1)),
            max_percent=None
            if data.get("max_percent") is None
            else Decimal(str(data["max_percent"])),
        )
    return parse_terms(item.terms)


def payable(
    item: BookItem, setup: Setup, debtor_override: str | None, stop: str | None
) -> PayableItem:
    return PayableItem(
        invoice_id=item.invoice_id,
        supplier_id=item.supplier_id,
        debtor_account=setup.account(debtor_override or item.debtor_account).id,
        creditor_account=item.creditor_account,
        kid=item.kid,
        invoice_number=item.invoice_number,
        currency=item.currency,
        due_date=item.due_date,
        amount=item.amount,
        issue_date=item.issue_date,
        held_reason=stop,
        paid_amount=item.paid_amount,
        discount=offer_of(item),
    )


def plan_run(
    items: Iterable[BookItem],
    *,
    setup: Setup,
    now: datetime,
    horizon: date,
    history: History,
    debtor_override: str | None = None,
) -> RunPlan:
    by_id = {item.invoice_id: item for item in items}
    stopped: dict[str, tuple[Finding, ...]] = {}
    while True:
        proposal = propose(
            [
                payable(i, setup, debtor_override, "stopped" if i.invoice_id in stopped else None)
                for i in by_id.values()
            ],
            horizon=horizon,
            now=now,
            schedule=setup.schedule(),
            cost_of_capital=setup.cost_of_capital,
        )
        planned = list(proposal.payments())
        # An invoice a credit settles in full is checked too: it is settled by this run.
        by_credit = [p for account in proposal.accounts for p in account.settled_by_credit]
        results = check_run(
            to_release(p, by_id[p.invoice_id], history) for p in (*planned, *by_credit)
        )
        newly = {r.invoice_id: r.findings for r in results if not r.may_release}
        if not newly:
            break
        stopped |= newly
    warnings = {r.invoice_id: r.findings for r in results}
    return RunPlan(
        proposal=replace(
            proposal, excluded=tuple(e for e in proposal.excluded if e.invoice_id not in stopped)
        ),
        payments=tuple(
            payment_data(p, by_id[p.invoice_id], warnings.get(p.invoice_id, ())) for p in planned
        ),
        settled_by_credit=tuple(
            payment_data(p, by_id[p.invoice_id], warnings.get(p.invoice_id, ()))
            for account in proposal.accounts
            for p in account.settled_by_credit
        ),
        held=tuple(
            held_data(by_id[invoice_id], findings) for invoice_id, findings in stopped.items()
        ),
        credits=_credits_used(proposal),
    )


def owed(payment: PlannedPayment, item: BookItem) -> Decimal:
    """What the books owe for this payment: the voucher's accounts-payable credit where it
    differs from the invoice's payable amount (a prepayment, a mistake), less the same discount
    and credits."""
    if item.posted_amount is None:
        return payment.amount
    return payment.amount + abs(item.posted_amount) - abs(item.amount)


def to_release(payment: PlannedPayment, item: BookItem, history: History) -> PaymentToRelease:
    return PaymentToRelease(
        invoice_id=payment.invoice_id,
        supplier_id=payment.supplier_id,
        creditor_account=payment.creditor_account,
        amount=payment.amount,
        owed=owed(payment, item),
        kid=payment.kid,
        invoice_number=payment.invoice_number,
        bic=item.creditor_bic,
        known_accounts=frozenset(history.known_accounts.get(payment.supplier_id, [])),
        paid=history.already_paid(payment),
    )


def recheck(payments: Sequence[Data], history: History) -> list[CheckResult]:
    """The checks again at release, on the payments as the run recorded them."""
    return check_run(
        PaymentToRelease(
            invoice_id=p["invoice_id"],
            supplier_id=p["supplier_id"],
            creditor_account=p["creditor_account"],
            amount=Decimal(p["amount"]),
            owed=Decimal(p.get("owed") or p["amount"]),
            kid=p.get("kid"),
            invoice_number=p.get("invoice_number"),
            bic=p.get("creditor_bic"),
            known_accounts=frozenset(history.known_accounts.get(p["supplier_id"], [])),
            paid=any(
                s["invoice_id"] == p["invoice_id"] or s["payment_id"] == p["payment_id"]
                for s in history.live_payments
            ),
        )
        for p in payments
    )


def finding_data(finding: Finding) -> Data:
    return {
        "code": finding.code,
        "severity": finding.severity,
        "message": finding.message,
        "message_nb": finding.message_nb,
    }


def payment_data(payment: PlannedPayment, item: BookItem, findings: Iterable[Finding]) -> Data:
    """One payment of a run as recorded: what the bank file needs, the planning behind it, and
    the book item as it was (to return it to the book if the payment fails)."""
    decision = payment.decision
    return {
        "invoice_id": payment.invoice_id,
        "invoice_number": payment.invoice_number,
        "supplier_id": payment.supplier_id,
        "creditor_name": item.creditor_name,
        "creditor_account": payment.creditor_account,
        "creditor_bic": item.creditor_bic,
        "kid": payment.kid,
        "currency": payment.currency,
        "due_date": payment.due_date.isoformat(),
        "execution_date": payment.execution_date.isoformat(),
        "debtor_account": payment.debtor_account,
        "open_amount": str(payment.open_amount),
        "discount": str(payment.discount),
        "credits": [
            {"credit_note_id": c.credit_note_id, "amount": str(c.amount)} for c in payment.credits
        ],
        "amount": str(payment.amount),
        "owed": str(owed(payment, item)),
        "gain": str(payment.gain),
        "decision": None
        if decision is None
        else {
            "pay_early": decision.pay_early,
            "execution_date": decision.execution_date.isoformat(),
            "days_early": decision.days_early,
            "discount": str(decision.discount),
            "capital_cost": str(decision.capital_cost),
            "gain": str(decision.gain),
            "explanation": decision.explanation,
            "explanation_nb": decision.explanation_nb,
        },
        "findings": [finding_data(f) for f in findings],
        "correlation_id": item.correlation_id,
        "traceparent": item.traceparent,
        "item": item.to_dict(),
    }


def held_data(item: BookItem, findings: Iterable[Finding]) -> Data:
    return {
        "invoice_id": item.invoice_id,
        "invoice_number": item.invoice_number,
        "supplier_id": item.supplier_id,
        "creditor_name": item.creditor_name,
        "creditor_account": item.creditor_account,
        "kid": item.kid,
        "amount": str(item.amount),
        "due_date": item.due_date.isoformat(),
        "findings": [finding_data(f) for f in findings],
    }


def _credits_used(proposal: Proposal) -> dict[str, str]:
    used: dict[str, Decimal] = {}
    for account in proposal.accounts:
        for payment in (*account.payments, *account.settled_by_credit):
            for credit in payment.credits:
                used[credit.credit_note_id] = used.get(credit.credit_note_id, ZERO) + credit.amount
    return {k: str(v) for k, v in used.items()}


def with_ids(run_id: Any, payments: Iterable[Data]) -> list[Data]:
    return [p | {"payment_id": payment_id(run_id, p["invoice_id"])} for p in payments]
