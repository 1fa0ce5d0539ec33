"""Approved codings as training records: one per coded line, in the shape `posting train` reads.

The facts of each invoice line are kept when the invoice is coded (`context`), so the record made
at approval has the line's own text, rate and classification beside the accounts people chose.
"""

from __future__ import annotations

from typing import Any

from shared.schemas.events import CodingLine
from shared.schemas.invoice import CanonicalInvoice

LABELS = ("account", "vat_code", "department", "project")


def line_context(invoice: CanonicalInvoice) -> dict[str, Any]:
    """What a later training record needs to know of the invoice and each of its lines."""
    return {
        "supplier_orgnr": invoice.seller.legal_id,
        "supplier_name": invoice.seller.name,
        "currency": invoice.currency,
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "order_reference": invoice.order_reference,
        "buyer_reference": invoice.buyer_reference,
        "lines": {
            line.line_id: {
                "description": line.description,
                "vat_rate": str(line.vat_rate) if line.vat_rate is not None else None,
                "tax_category": line.vat_category,
                "item_classification": line.item_classification,
            }
            for line in invoice.lines
        },
    }


def training_records(
    tenant_id: str, day: str, context: dict[str, Any], coding: list[CodingLine]
) -> list[dict[str, Any]]:
    records = []
    lines: dict[str, dict[str, Any]] = context.get("lines") or {}
    for coded in coding:
        facts = lines.get(coded.invoice_line or "", {})
        records.append(
            {
                "tenant": tenant_id,
                "date": context.get("issue_date") or day,
                "supplier_orgnr": context.get("supplier_orgnr"),
                "supplier_name": context.get("supplier_name"),
                "description": facts.get("description") or coded.description,
                "amount": str(coded.net_amount),
                "currency": context.get("currency"),
                "vat_rate": facts.get("vat_rate"),
                "tax_category": facts.get("tax_category"),
                "order_reference": context.get("order_reference"),
                "buyer_reference": context.get("buyer_reference"),
                "item_classification": facts.get("item_classification"),
                "account": coded.account,
                "vat_code": coded.vat_code,
                "department": coded.department,
                "project": coded.project,
            }
        )
    return records
