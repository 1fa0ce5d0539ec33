"""The `fakturaportal extract --json` shape: a flat, stable view of the canonical invoice."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from shared.schemas.invoice import CanonicalInvoice, CaptureSource, DocumentKind

#: Business term -> dotted field name of the JSON shape.
FIELD_NAMES = {
    "BT-1": "invoice_number",
    "BT-2": "issue_date",
    "BT-9": "due_date",
    "BT-5": "currency",
    "BT-27": "supplier.name",
    "BT-30": "supplier.orgnr",
    "BT-31": "supplier.vat_id",
    "BT-44": "buyer.name",
    "BT-47": "buyer.orgnr",
    "BT-13": "order_reference",
    "BT-10": "buyer_reference",
    "BT-83": "payment.kid",
    "BT-86": "payment.bic",
    "BT-106": "totals.line_extension",
    "BT-109": "totals.tax_exclusive",
    "BT-110": "totals.vat",
    "BT-112": "totals.tax_inclusive",
    "BT-115": "totals.payable",
}
SOURCES = {
    CaptureSource.EHF: "xml",
    CaptureSource.PDF_EMBEDDED: "xml",
    CaptureSource.PDF_TEXT: "text",
    CaptureSource.OCR: "ocr",
    CaptureSource.MANUAL: "manual",
}
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{8,30}$")
_NO_VAT = re.compile(r"^NO(\d{9})MVA$")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _orgnr(legal_id: str | None, vat_id: str | None) -> str | None:
    if legal_id:
        return legal_id
    match = _NO_VAT.match((vat_id or "").replace(" ", ""))
    return match.group(1) if match else None


def _is_iban(account: str | None) -> bool:
    return bool(account and _IBAN.match(account.replace(" ", "").upper()))


def to_json(invoice: CanonicalInvoice) -> dict[str, Any]:
    account = invoice.payment_account
    iban = _is_iban(account)
    fields: dict[str, dict[str, object]] = {}
    for term, provenance in sorted(invoice.provenance.items()):
        name = "payment.iban" if term == "BT-84" and iban else FIELD_NAMES.get(term)
        if term == "BT-84" and not iban:
            name = "payment.account"
        if name:
            fields[name] = {
                "source": SOURCES[provenance.source],
                "confidence": provenance.confidence,
            }
    return {
        "document_type": "credit_note" if invoice.kind is DocumentKind.CREDIT_NOTE else "invoice",
        "invoice_number": invoice.number,
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "currency": invoice.currency,
        "supplier": {
            "name": invoice.seller.name,
            "orgnr": _orgnr(invoice.seller.legal_id, invoice.seller.vat_id),
            "vat_id": invoice.seller.vat_id,
        },
        "buyer": {
            "name": invoice.buyer.name,
            "orgnr": _orgnr(invoice.buyer.legal_id, invoice.buyer.vat_id),
        },
        "order_reference": invoice.order_reference,
        "buyer_reference": invoice.buyer_reference,
        "payment": {
            "kid": invoice.payment_id,
            "account": None if iban else account,
            "iban": account if iban else None,
            "bic": invoice.payment_bic,
        },
        "totals": {
            "line_extension": _money(invoice.totals.line_extension),
            "tax_exclusive": _money(invoice.totals.tax_exclusive),
            "vat": _money(invoice.totals.tax),
            "tax_inclusive": _money(invoice.totals.tax_inclusive),
            "payable": _money(invoice.totals.payable),
        },
        "vat_breakdown": [
            {
                "category": v.category,
                "rate": _money(v.rate),
                "taxable": _money(v.taxable),
                "vat": _money(v.vat),
            }
            for v in invoice.vat_breakdown
        ],
        "lines": [
            {
                "description": line.description,
                "quantity": _money(line.quantity),
                "unit_price": _money(line.unit_price),
                "net_amount": _money(line.net_amount),
                "vat_category": line.vat_category,
                "vat_rate": _money(line.vat_rate),
            }
            for line in invoice.lines
        ],
        "fields": fields,
    }
