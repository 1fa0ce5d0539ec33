"""Realistic examples of the public contracts, as the AsyncAPI document shows them.

One supplier invoice from approval to payment: Nordlys Kontorrekvisita AS (orgnr 974760673, VAT id
NO974760673MVA) bills the tenant 17 500,00 NOK with KID 20250004171 (MOD10) to account
8601.11.17947 (MOD11). Plain data only: the generator and the contract tests read these values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from shared.schemas.envelope import Envelope, event_type
from shared.schemas.events import (
    Approval,
    CodingLine,
    EventPayload,
    InvoiceApproved,
    InvoiceSummary,
    PaymentSent,
)
from shared.schemas.topics import Topic

TENANT_ID = "fjordvik-bygg"
INVOICE_ID = UUID("6f1c2b9e-4a57-4d1e-9c3a-2b8f0e7d4a11")
CORRELATION_ID = "0b9d6a52-3f1e-4c8a-9e27-5d4c1a7b8e90"

SUPPLIER_NAME = "Nordlys Kontorrekvisita AS"
SUPPLIER_ORGNR = "974760673"
SUPPLIER_VAT_ID = "NO974760673MVA"
SUPPLIER_ACCOUNT = "86011117947"
KID = "20250004171"

INVOICE_APPROVED = InvoiceApproved(
    invoice_id=INVOICE_ID,
    tenant_id=TENANT_ID,
    invoice=InvoiceSummary(
        number="2025-0417",
        kind="invoice",
        issue_date=date(2025, 3, 3),
        due_date=date(2025, 3, 17),
        currency="NOK",
        payable_amount=Decimal("17500.00"),
        tax_amount=Decimal("3500.00"),
        seller_name=SUPPLIER_NAME,
        seller_legal_id=SUPPLIER_ORGNR,
        seller_vat_id=SUPPLIER_VAT_ID,
        payment_id=KID,
        payment_account=SUPPLIER_ACCOUNT,
        payment_terms="2 % rabatt ved betaling innen 10 dager, netto 14 dager",
        nok_rate=Decimal("1"),
    ),
    coding=[
        CodingLine(
            account="6800",
            vat_code="1",
            net_amount=Decimal("10000.00"),
            vat_amount=Decimal("2500.00"),
            department="200",
            description="Kontorrekvisita 1. kvartal",
        ),
        CodingLine(
            account="6551",
            vat_code="1",
            net_amount=Decimal("4000.00"),
            vat_amount=Decimal("1000.00"),
            department="200",
            project="P-1042",
            description="Dokkingstasjoner til nye arbeidsplasser",
        ),
    ],
    approvals=[
        Approval(
            step="attestation:200",
            approved_by="kari.nordmann@fjordvikbygg.no",
            approved_at=datetime(2025, 3, 5, 8, 14, 2, tzinfo=UTC),
        ),
        Approval(
            step="budget:200",
            approved_by="ola.hansen@fjordvikbygg.no",
            on_behalf_of="ingrid.berg@fjordvikbygg.no",
            approved_at=datetime(2025, 3, 5, 12, 40, 11, tzinfo=UTC),
        ),
    ],
    approved_at=datetime(2025, 3, 5, 12, 40, 11, tzinfo=UTC),
)

INVOICE_APPROVED_ENVELOPE = Envelope(
    id="3c1f7e0a-8d2b-5b6e-9a41-7f0c2d9e6b13",
    source="/services/approval",
    type=event_type(Topic.INVOICE_APPROVED),
    subject=str(INVOICE_ID),
    time=datetime(2025, 3, 5, 12, 40, 11, 482000, tzinfo=UTC),
    tenantid=TENANT_ID,
    correlationid=CORRELATION_ID,
    causationid="9e4b2c71-0f3a-5d8e-b6c2-4a1d7e9f0c35",
    traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
)

PAYMENT_SENT = PaymentSent(
    invoice_id=INVOICE_ID,
    tenant_id=TENANT_ID,
    payment_id="3c9e0f6b8d2a5e714b6f1a0c9d8e7f21",
    run_id=UUID("a7d3e915-2c4b-4f80-8e6a-1b9c5d2f7e48"),
    amount=Decimal("17500.00"),
    currency="NOK",
    execution_date=date(2025, 3, 17),
    creditor_name=SUPPLIER_NAME,
    creditor_account=SUPPLIER_ACCOUNT,
    kid=KID,
    message_id="a7d3e9152c4b4f808e6a1b9c5d2f7e48",
    file_name="a7d3e9152c4b4f808e6a1b9c5d2f7e48.xml",
    released_by="lise.berg@fjordvikbygg.no",
    sent_at=datetime(2025, 3, 14, 13, 5, 27, tzinfo=UTC),
    payment_information_id="a7d3e9152c4b4f808e6a1b9c5d2f7e-1",
    pain_version="pain.001.001.03",
)

PAYMENT_SENT_ENVELOPE = Envelope(
    id="5e8a0d2f-6b1c-5f47-a3d9-0c7e2b4f8a61",
    source="/services/payment",
    type=event_type(Topic.PAYMENT_SENT),
    subject=str(INVOICE_ID),
    time=datetime(2025, 3, 14, 13, 5, 27, 903000, tzinfo=UTC),
    tenantid=TENANT_ID,
    correlationid=CORRELATION_ID,
    causationid="d2c6f4a8-1e7b-5a39-8f05-6b3e9d1c7a24",
    traceparent="00-7d5e1a9c3b2f4e8d6a0c9b1e2f3a4d5c-b7ad6b7169203331-01",
)

#: The public contracts' examples, per topic: (envelope, payload).
EXAMPLES: dict[Topic, tuple[Envelope, EventPayload]] = {
    Topic.INVOICE_APPROVED: (INVOICE_APPROVED_ENVELOPE, INVOICE_APPROVED),
    Topic.PAYMENT_SENT: (PAYMENT_SENT_ENVELOPE, PAYMENT_SENT),
}
