"""A small organisation and invoice the approval tests share."""

from datetime import UTC, date, datetime
from decimal import Decimal

from services.approval.organisation import Organisation
from shared.schemas.events import CodingLine, InvoiceSummary

SUPPLIER = "987654321"
OTHER_SUPPLIER = "912345678"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

ORG = {
    "users": [
        {"id": "anne", "roles": ["accountant"]},
        {"id": "carl", "roles": ["accountant"]},
        {"id": "ola", "name": "Ola Nordmann", "roles": ["attestant"]},
        {"id": "mona", "roles": ["attestant"]},
        {"id": "kari", "roles": ["attestant", "budget-holder"]},
        {"id": "per", "roles": ["attestant", "budget-holder"], "manager": "lise"},
        {"id": "lise", "roles": ["budget-holder"]},
        {"id": "finn", "roles": ["finance-admin"]},
        {"id": "sven", "roles": ["attestant", "budget-holder"], "supplier_orgnrs": [SUPPLIER]},
        {"id": "siri", "roles": ["supplier-contact"], "supplier_orgnrs": [SUPPLIER]},
        {"id": "audun", "roles": ["auditor"]},
    ],
    "groups": [{"id": "ap", "members": ["anne", "mona"]}],
    "cost_centres": [
        {"code": "D000", "name": "Ledelse", "owner": "lise"},
        {"code": "D100", "name": "Salg", "owner": "kari", "parent": "D000"},
        {"code": "D200", "name": "Drift", "owner": "per", "parent": "D000"},
        {"code": "P1", "kind": "project", "owner": "per"},
    ],
    "authority": [
        {"role": "budget-holder", "cost_centre": "D100", "max_amount": "50000", "user": "kari"},
        {"role": "budget-holder", "cost_centre": "D200", "max_amount": "20000", "user": "per"},
        {"role": "budget-holder", "cost_centre": "P1", "max_amount": "20000", "user": "per"},
        {"role": "budget-holder", "cost_centre": "*", "max_amount": "500000", "user": "lise"},
        {"role": "budget-holder", "cost_centre": "*", "max_amount": "1000", "user": "sven"},
        {"role": "finance-admin", "cost_centre": "*", "max_amount": "2000000"},
    ],
    "routing": {
        "buyer_references": {"Ola Nordmann / innkjøp": "ola"},
        "supplier_defaults": {OTHER_SUPPLIER: "mona"},
        "ap_inbox": "ap",
    },
    "second_level": {"threshold": "100000"},
    "sla": {
        "attestation": {"reminder_hours": 24, "escalation_hours": 24},
        "budget": {"reminder_hours": 48, "escalation_hours": 24},
        "second-level": {"reminder_hours": 48, "escalation_hours": 48},
    },
}


def org(**changes: object) -> Organisation:
    return Organisation.model_validate(ORG | changes)


def summary(
    amount: str = "12500", ref: str | None = "Ola Nordmann", supplier: str = SUPPLIER, **kw: object
) -> InvoiceSummary:
    values: dict[str, object] = {
        "number": "F-1",
        "kind": "invoice",
        "issue_date": date(2026, 3, 1),
        "due_date": date(2026, 3, 31),
        "currency": "NOK",
        "payable_amount": Decimal(amount),
        "tax_amount": None,
        "seller_name": "Leverandør AS",
        "seller_legal_id": supplier,
        "seller_vat_id": None,
        "payment_id": None,
        "payment_account": None,
        "buyer_reference": ref,
    }
    return InvoiceSummary.model_validate(values | kw)


def line(
    gross: str, department: str | None = "D100", account: str = "6800", **kw: object
) -> CodingLine:
    net = Decimal(gross) * 4 / 5
    values: dict[str, object] = {
        "account": account,
        "vat_code": "1",
        "net_amount": net,
        "vat_amount": Decimal(gross) - net,
        "department": department,
    }
    return CodingLine.model_validate(values | kw)
