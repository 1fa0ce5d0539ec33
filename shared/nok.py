"""NOK per unit of an invoice's currency, read off the invoice itself.

Authority limits are in NOK. A Norwegian buyer's invoice in another currency states its VAT in
NOK too (VAT accounting currency BT-6 = NOK, the VAT total in NOK as BT-111), so the supplier's
own rate is BT-111 / BT-110: the one the VAT return will use, and no outside rate feed is needed.
"""

from __future__ import annotations

from decimal import Decimal

from shared.schemas.invoice import CanonicalInvoice

HOME = "NOK"
PRECISION = Decimal("0.000001")


def nok_rate(invoice: CanonicalInvoice) -> Decimal | None:
    """1 for a NOK invoice; BT-111 / BT-110 for another currency with its VAT stated in NOK;
    None when the invoice does not say (nothing to route an amount limit on)."""
    if invoice.currency in (None, HOME):
        return Decimal(1)
    in_nok = invoice.totals.tax_in_tax_currency
    in_currency = invoice.totals.tax
    if invoice.tax_currency != HOME or in_nok is None or not in_currency:
        return None
    rate = (in_nok / in_currency).quantize(PRECISION)
    return rate if rate > 0 else None
