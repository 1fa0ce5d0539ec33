"""Factur-X / ZUGFeRD (CII D16B) capture: every EN16931 term mapped, odd input never crashes."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from services.intake.cii import NotCiiInvoice, capture_cii, embedded_documents, is_cii
from services.intake.ehf import TERMS
from services.intake.pdftext import embedded_xml
from shared.schemas.invoice import (
    AllowanceCharge,
    CaptureSource,
    DocumentKind,
    InvoiceLine,
    Party,
    Provenance,
    SupportingDocument,
    Totals,
    VatBreakdown,
)
from shared.xmlsafe import parse_untrusted
from tests.unit.test_intake_pdf import _pdf_with_attachment

ATTACHMENT = base64.b64encode(b"Timeliste mars 2026").decode()

# A Factur-X 1.0 EN16931-profile invoice from a Norwegian seller, element order as the XSD wants.
INVOICE = f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
    xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:BusinessProcessSpecifiedDocumentContextParameter>
      <ram:ID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</ram:ID>
    </ram:BusinessProcessSpecifiedDocumentContextParameter>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:cen.eu:en16931:2017</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>FX-2026-0042</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime>
      <udt:DateTimeString format="102">20260315</udt:DateTimeString>
    </ram:IssueDateTime>
    <ram:IncludedNote>
      <ram:Content>Takk for handelen!</ram:Content>
    </ram:IncludedNote>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument>
        <ram:LineID>1</ram:LineID>
        <ram:IncludedNote><ram:Content>Mars 2026</ram:Content></ram:IncludedNote>
      </ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct>
        <ram:SellerAssignedID>KONS-01</ram:SellerAssignedID>
        <ram:Name>Konsulenttimer</ram:Name>
        <ram:DesignatedProductClassification>
          <ram:ClassCode listID="STI">72224000</ram:ClassCode>
        </ram:DesignatedProductClassification>
      </ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:BuyerOrderReferencedDocument><ram:LineID>10</ram:LineID></ram:BuyerOrderReferencedDocument>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>1200.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery>
        <ram:BilledQuantity unitCode="HUR">10</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode>
          <ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>25.00</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>12000.00</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>2</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Lunsj til workshop</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>50.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery>
        <ram:BilledQuantity unitCode="H87">20</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode>
          <ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>15.00</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>1000.00</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:BuyerReference>Kari Nordmann</ram:BuyerReference>
      <ram:SellerTradeParty>
        <ram:Name>Fjordkonsult AS</ram:Name>
        <ram:SpecifiedLegalOrganization>
          <ram:ID schemeID="0192">974760673</ram:ID>
        </ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>0155</ram:PostcodeCode>
          <ram:LineOne>Storgata 1</ram:LineOne>
          <ram:CityName>Oslo</ram:CityName>
          <ram:CountryID>NO</ram:CountryID>
        </ram:PostalTradeAddress>
        <ram:URIUniversalCommunication>
          <ram:URIID schemeID="0192">974760673</ram:URIID>
        </ram:URIUniversalCommunication>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="FC">974760673</ram:ID>
        </ram:SpecifiedTaxRegistration>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="VA">NO974760673MVA</ram:ID>
        </ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>Kunde Norge AS</ram:Name>
        <ram:SpecifiedLegalOrganization>
          <ram:ID schemeID="0192">998877660</ram:ID>
        </ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>5003</ram:PostcodeCode>
          <ram:CityName>Bergen</ram:CityName>
          <ram:CountryID>NO</ram:CountryID>
        </ram:PostalTradeAddress>
        <ram:URIUniversalCommunication>
          <ram:URIID schemeID="0192">998877660</ram:URIID>
        </ram:URIUniversalCommunication>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="VA">NO998877660MVA</ram:ID>
        </ram:SpecifiedTaxRegistration>
      </ram:BuyerTradeParty>
      <ram:BuyerOrderReferencedDocument>
        <ram:IssuerAssignedID>PO-7781</ram:IssuerAssignedID>
      </ram:BuyerOrderReferencedDocument>
      <ram:ContractReferencedDocument>
        <ram:IssuerAssignedID>RA-2025-03</ram:IssuerAssignedID>
      </ram:ContractReferencedDocument>
      <ram:AdditionalReferencedDocument>
        <ram:IssuerAssignedID>TL-03</ram:IssuerAssignedID>
        <ram:TypeCode>916</ram:TypeCode>
        <ram:Name>Timeliste</ram:Name>
        <ram:AttachmentBinaryObject mimeCode="text/plain" filename="timeliste.txt">{ATTACHMENT}</ram:AttachmentBinaryObject>
      </ram:AdditionalReferencedDocument>
      <ram:AdditionalReferencedDocument>
        <ram:IssuerAssignedID>ANB-9</ram:IssuerAssignedID>
        <ram:TypeCode>50</ram:TypeCode>
      </ram:AdditionalReferencedDocument>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery>
      <ram:ActualDeliverySupplyChainEvent>
        <ram:OccurrenceDateTime><udt:DateTimeString format="102">20260314</udt:DateTimeString></ram:OccurrenceDateTime>
      </ram:ActualDeliverySupplyChainEvent>
    </ram:ApplicableHeaderTradeDelivery>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:PaymentReference>20260012347</ram:PaymentReference>
      <ram:InvoiceCurrencyCode>NOK</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>30</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount>
          <ram:IBANID>NO9386011117947</ram:IBANID>
          <ram:AccountName>Fjordkonsult AS</ram:AccountName>
        </ram:PayeePartyCreditorFinancialAccount>
        <ram:PayeeSpecifiedCreditorFinancialInstitution>
          <ram:BICID>DNBANOKKXXX</ram:BICID>
        </ram:PayeeSpecifiedCreditorFinancialInstitution>
      </ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>2875.00</ram:CalculatedAmount>
        <ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>11500.00</ram:BasisAmount>
        <ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>25.00</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>150.00</ram:CalculatedAmount>
        <ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>1000.00</ram:BasisAmount>
        <ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>15.00</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>0.00</ram:CalculatedAmount>
        <ram:TypeCode>VAT</ram:TypeCode>
        <ram:ExemptionReason>Utenfor avgiftsområdet</ram:ExemptionReason>
        <ram:BasisAmount>0.00</ram:BasisAmount>
        <ram:CategoryCode>E</ram:CategoryCode>
        <ram:ExemptionReasonCode>VATEX-EU-O</ram:ExemptionReasonCode>
        <ram:RateApplicablePercent>0</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradeAllowanceCharge>
        <ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator>
        <ram:CalculationPercent>5.00</ram:CalculationPercent>
        <ram:BasisAmount>10000.00</ram:BasisAmount>
        <ram:ActualAmount>500.00</ram:ActualAmount>
        <ram:ReasonCode>95</ram:ReasonCode>
        <ram:Reason>Rammeavtalerabatt</ram:Reason>
        <ram:CategoryTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode>
          <ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>25.00</ram:RateApplicablePercent>
        </ram:CategoryTradeTax>
      </ram:SpecifiedTradeAllowanceCharge>
      <ram:SpecifiedTradePaymentTerms>
        <ram:Description>Netto 30 dager</ram:Description>
        <ram:DueDateDateTime><udt:DateTimeString format="102">20260414</udt:DateTimeString></ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>13000.00</ram:LineTotalAmount>
        <ram:ChargeTotalAmount>0.00</ram:ChargeTotalAmount>
        <ram:AllowanceTotalAmount>500.00</ram:AllowanceTotalAmount>
        <ram:TaxBasisTotalAmount>12500.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="NOK">3025.00</ram:TaxTotalAmount>
        <ram:RoundingAmount>0.00</ram:RoundingAmount>
        <ram:GrandTotalAmount>15525.00</ram:GrandTotalAmount>
        <ram:TotalPrepaidAmount>1000.00</ram:TotalPrepaidAmount>
        <ram:DuePayableAmount>14525.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
      <ram:ReceivableSpecifiedTradeAccountingAccount>
        <ram:ID>4010</ram:ID>
      </ram:ReceivableSpecifiedTradeAccountingAccount>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
""".encode()

CREDIT_NOTE = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
    xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:cen.eu:en16931:2017</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>FX-2026-0051</ram:ID>
    <ram:TypeCode>381</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20260402</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Kreditering konsulenttimer</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>1200.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="HUR">2</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode>
          <ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>25</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>2400.00</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>Fjordkonsult AS</ram:Name>
        <ram:PostalTradeAddress><ram:CountryID>NO</ram:CountryID></ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">NO974760673MVA</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>Kunde Norge AS</ram:Name>
        <ram:PostalTradeAddress><ram:CountryID>NO</ram:CountryID></ram:PostalTradeAddress>
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>NOK</ram:InvoiceCurrencyCode>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>600.00</ram:CalculatedAmount>
        <ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>2400.00</ram:BasisAmount>
        <ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>25</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>2400.00</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>2400.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="NOK">600.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>3000.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount>3000.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
      <ram:InvoiceReferencedDocument>
        <ram:IssuerAssignedID>FX-2026-0042</ram:IssuerAssignedID>
        <ram:FormattedIssueDateTime><qdt:DateTimeString format="102">20260315</qdt:DateTimeString></ram:FormattedIssueDateTime>
      </ram:InvoiceReferencedDocument>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""

UBL = (
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    b"<cbc:ID>1</cbc:ID></Invoice>"
)


def test_invoice_maps_every_business_term() -> None:
    invoice = capture_cii(parse_untrusted(INVOICE))

    assert invoice.kind is DocumentKind.INVOICE
    assert invoice.customization_id == "urn:cen.eu:en16931:2017"
    assert invoice.profile_id == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert invoice.number == "FX-2026-0042"
    assert invoice.issue_date == date(2026, 3, 15)
    assert invoice.type_code == "380"
    assert invoice.currency == "NOK"
    assert invoice.due_date == date(2026, 4, 14)
    assert invoice.buyer_reference == "Kari Nordmann"
    assert invoice.order_reference == "PO-7781"
    assert invoice.contract_reference == "RA-2025-03"
    assert invoice.buyer_accounting_reference == "4010"
    assert invoice.preceding_invoice is None
    assert invoice.preceding_invoice_date is None
    assert invoice.note == "Takk for handelen!"
    assert invoice.seller == Party(
        name="Fjordkonsult AS",
        vat_id="NO974760673MVA",
        legal_id="974760673",
        endpoint_id="974760673",
        endpoint_scheme="0192",
        country="NO",
    )
    assert invoice.buyer == Party(
        name="Kunde Norge AS",
        vat_id="NO998877660MVA",
        legal_id="998877660",
        endpoint_id="998877660",
        endpoint_scheme="0192",
        country="NO",
    )
    assert invoice.payment_means_code == "30"
    assert invoice.payment_id == "20260012347"
    assert invoice.payment_account == "NO9386011117947"
    assert invoice.payment_account_name == "Fjordkonsult AS"
    assert invoice.payment_bic == "DNBANOKKXXX"
    assert invoice.payment_terms == "Netto 30 dager"
    assert invoice.totals == Totals(
        line_extension=Decimal("13000.00"),
        allowances=Decimal("500.00"),
        charges=Decimal("0.00"),
        tax_exclusive=Decimal("12500.00"),
        tax=Decimal("3025.00"),
        tax_inclusive=Decimal("15525.00"),
        prepaid=Decimal("1000.00"),
        rounding=Decimal("0.00"),
        payable=Decimal("14525.00"),
    )
    assert invoice.vat_breakdown == [
        VatBreakdown(
            category="S", rate=Decimal("25.00"), taxable=Decimal("11500.00"), vat=Decimal("2875.00")
        ),
        VatBreakdown(
            category="S", rate=Decimal("15.00"), taxable=Decimal("1000.00"), vat=Decimal("150.00")
        ),
        VatBreakdown(
            category="E",
            rate=Decimal("0"),
            taxable=Decimal("0.00"),
            vat=Decimal("0.00"),
            exemption_reason="Utenfor avgiftsområdet",
            exemption_code="VATEX-EU-O",
        ),
    ]
    assert invoice.allowances_charges == [
        AllowanceCharge(
            charge=False,
            amount=Decimal("500.00"),
            base_amount=Decimal("10000.00"),
            percent=Decimal("5.00"),
            vat_category="S",
            vat_rate=Decimal("25.00"),
            reason="Rammeavtalerabatt",
            reason_code="95",
        )
    ]
    assert invoice.supporting_documents == [
        SupportingDocument(
            id="TL-03",
            description="Timeliste",
            media_type="text/plain",
            filename="timeliste.txt",
        )
    ]
    assert invoice.lines == [
        InvoiceLine(
            line_id="1",
            description="Konsulenttimer",
            quantity=Decimal("10"),
            unit_code="HUR",
            net_amount=Decimal("12000.00"),
            unit_price=Decimal("1200.00"),
            vat_category="S",
            vat_rate=Decimal("25.00"),
            order_line_ref="10",
            item_classification="72224000",
            seller_item_id="KONS-01",
            note="Mars 2026",
        ),
        InvoiceLine(
            line_id="2",
            description="Lunsj til workshop",
            quantity=Decimal("20"),
            unit_code="H87",
            net_amount=Decimal("1000.00"),
            unit_price=Decimal("50.00"),
            vat_category="S",
            vat_rate=Decimal("15.00"),
        ),
    ]


def test_every_present_term_is_sure_and_from_the_pdf() -> None:
    invoice = capture_cii(parse_untrusted(INVOICE))

    sure = Provenance(source=CaptureSource.PDF_EMBEDDED, confidence=1.0)
    # a NOK invoice without a preceding invoice: no BT-25, no VAT accounting currency (BT-6/-111)
    expected = set(TERMS) - {"BT-25", "BT-6", "BT-111"}
    assert invoice.provenance == dict.fromkeys(sorted(expected), sure)
    assert set(invoice.provenance) == expected


def test_the_source_is_the_callers() -> None:
    invoice = capture_cii(parse_untrusted(INVOICE), CaptureSource.EHF)

    assert {p.source for p in invoice.provenance.values()} == {CaptureSource.EHF}


def test_credit_note_381() -> None:
    note = capture_cii(parse_untrusted(CREDIT_NOTE))

    assert note.kind is DocumentKind.CREDIT_NOTE
    assert note.type_code == "381"
    assert note.number == "FX-2026-0051"
    assert note.issue_date == date(2026, 4, 2)
    assert note.customization_id == "urn:cen.eu:en16931:2017"
    assert note.profile_id is None
    assert note.preceding_invoice == "FX-2026-0042"
    assert note.preceding_invoice_date == date(2026, 3, 15)
    assert note.seller == Party(name="Fjordkonsult AS", vat_id="NO974760673MVA", country="NO")
    assert note.buyer == Party(name="Kunde Norge AS", country="NO")
    assert note.due_date is None
    assert note.payment_id is None
    assert note.payment_account is None
    assert note.allowances_charges == []
    assert note.totals == Totals(
        line_extension=Decimal("2400.00"),
        tax_exclusive=Decimal("2400.00"),
        tax=Decimal("600.00"),
        tax_inclusive=Decimal("3000.00"),
        payable=Decimal("3000.00"),
    )
    assert note.vat_breakdown == [
        VatBreakdown(
            category="S", rate=Decimal("25"), taxable=Decimal("2400.00"), vat=Decimal("600.00")
        )
    ]
    assert note.lines == [
        InvoiceLine(
            line_id="1",
            description="Kreditering konsulenttimer",
            quantity=Decimal("2"),
            unit_code="HUR",
            net_amount=Decimal("2400.00"),
            unit_price=Decimal("1200.00"),
            vat_category="S",
            vat_rate=Decimal("25"),
        )
    ]
    assert "BT-25" in note.provenance
    assert "BT-9" not in note.provenance


def test_pdf_carries_the_cii_as_factur_x_xml() -> None:
    pdf = _pdf_with_attachment(b"factur-x.xml", INVOICE)

    xml = embedded_xml(pdf)

    assert xml == INVOICE
    assert xml is not None
    assert capture_cii(parse_untrusted(xml)).number == "FX-2026-0042"


def test_is_cii() -> None:
    assert is_cii(parse_untrusted(INVOICE))
    assert is_cii(parse_untrusted(CREDIT_NOTE))
    assert not is_cii(parse_untrusted(UBL))
    zugferd_1 = (
        b'<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"/>'
    )
    assert not is_cii(parse_untrusted(zugferd_1))


def test_a_ubl_root_is_refused() -> None:
    with pytest.raises(NotCiiInvoice, match="CrossIndustryInvoice"):
        capture_cii(parse_untrusted(UBL))


def test_embedded_supporting_documents_are_decoded() -> None:
    [document] = embedded_documents(parse_untrusted(INVOICE))

    assert (document.index, document.media_type, document.filename, document.data) == (
        0,
        "text/plain",
        "timeliste.txt",
        b"Timeliste mars 2026",
    )


def test_tax_total_is_the_one_in_the_invoice_currency() -> None:
    xml = INVOICE.replace(
        b'<ram:TaxTotalAmount currencyID="NOK">3025.00</ram:TaxTotalAmount>',
        b'<ram:TaxTotalAmount currencyID="EUR">262.14</ram:TaxTotalAmount>'
        b'<ram:TaxTotalAmount currencyID="NOK">3025.00</ram:TaxTotalAmount>',
    )

    assert capture_cii(parse_untrusted(xml)).totals.tax == Decimal("3025.00")


def test_vat_in_the_accounting_currency_is_bt_111() -> None:
    xml = (
        INVOICE.replace(
            b"<ram:InvoiceCurrencyCode>NOK</ram:InvoiceCurrencyCode>",
            b"<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>"
            b"<ram:TaxCurrencyCode>NOK</ram:TaxCurrencyCode>",
        )
        .replace(b'currencyID="NOK"', b'currencyID="EUR"')
        .replace(
            b'<ram:TaxTotalAmount currencyID="EUR">3025.00</ram:TaxTotalAmount>',
            b'<ram:TaxTotalAmount currencyID="EUR">3025.00</ram:TaxTotalAmount>'
            b'<ram:TaxTotalAmount currencyID="NOK">34787.50</ram:TaxTotalAmount>',
        )
    )

    invoice = capture_cii(parse_untrusted(xml))

    assert (invoice.currency, invoice.tax_currency) == ("EUR", "NOK")
    assert (invoice.totals.tax, invoice.totals.tax_in_tax_currency) == (
        Decimal("3025.00"),
        Decimal("34787.50"),
    )


def test_proprietary_account_when_there_is_no_iban() -> None:
    xml = INVOICE.replace(
        b"<ram:IBANID>NO9386011117947</ram:IBANID>",
        b"<ram:ProprietaryID>86011117947</ram:ProprietaryID>",
    )

    assert capture_cii(parse_untrusted(xml)).payment_account == "86011117947"


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        (b'<udt:DateTimeString format="102">20260315</udt:DateTimeString>', date(2026, 3, 15)),
        (b"<udt:DateTimeString>20260315</udt:DateTimeString>", date(2026, 3, 15)),
        (b'<udt:DateTimeString format="102">20260230</udt:DateTimeString>', None),
        (b'<udt:DateTimeString format="102">2026-03-15</udt:DateTimeString>', None),
        (b'<udt:DateTimeString format="102">2026315</udt:DateTimeString>', None),
        (b'<udt:DateTimeString format="102"> </udt:DateTimeString>', None),
        (b'<udt:DateTimeString format="610">202603</udt:DateTimeString>', None),
        (b"", None),
    ],
)
def test_issue_date_is_format_102_or_none(stamp: bytes, expected: date | None) -> None:
    xml = INVOICE.replace(b'<udt:DateTimeString format="102">20260315</udt:DateTimeString>', stamp)

    assert capture_cii(parse_untrusted(xml)).issue_date == expected


@pytest.mark.parametrize(
    "amount", [b"", b"abc", b"NaN", b"Infinity", b"1E+999999", b"1,5", b"12 500.00", b"1" * 80]
)
def test_an_amount_that_is_not_a_decimal_is_none(amount: bytes) -> None:
    xml = INVOICE.replace(
        b"<ram:GrandTotalAmount>15525.00</ram:GrandTotalAmount>",
        b"<ram:GrandTotalAmount>" + amount + b"</ram:GrandTotalAmount>",
    )

    invoice = capture_cii(parse_untrusted(xml))

    assert invoice.totals.tax_inclusive is None
    assert "BT-112" not in invoice.provenance


def test_a_bare_cii_root_is_an_empty_invoice() -> None:
    bare = b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>'

    invoice = capture_cii(parse_untrusted(bare))

    assert invoice.kind is DocumentKind.INVOICE
    assert invoice.number is None
    assert invoice.seller == Party()
    assert invoice.totals == Totals()
    assert invoice.lines == []
    assert invoice.provenance == {}


def _mutants(xml: bytes) -> list[bytes]:
    """The document with each element in turn removed, emptied, or given garbage text."""
    count = sum(1 for _ in etree.fromstring(xml).iter())
    out = []
    for index in range(1, count):
        for action in ("remove", "empty", "garbage"):
            root = etree.fromstring(xml)
            node = list(root.iter())[index]
            if action == "remove":
                parent = node.getparent()
                assert parent is not None
                parent.remove(node)
            elif action == "empty":
                node.text = None
                for child in list(node):
                    node.remove(child)
            else:
                node.text = "\u00a0x\U0001f4a9 -1e9"
                node.attrib.update({"format": "xx", "currencyID": "", "schemeID": "VA"})
            out.append(etree.tostring(root))
    return out


@pytest.mark.parametrize("xml", [INVOICE, CREDIT_NOTE], ids=["invoice", "credit-note"])
def test_odd_documents_never_crash(xml: bytes) -> None:
    for mutant in _mutants(xml):
        invoice = capture_cii(parse_untrusted(mutant))
        assert all(p.confidence == 1.0 for p in invoice.provenance.values())


def test_a_pdf_with_factur_x_is_captured_from_its_xml_not_its_text() -> None:
    from services.intake.capture import capture_document
    from shared.schemas.invoice import CaptureSource as Source

    pdf = _pdf_with_attachment(b"factur-x.xml", INVOICE)
    result = capture_document(pdf, 10_000_000)
    assert result.invoice is not None
    assert result.invoice.number == "FX-2026-0042"
    assert {p.source for p in result.invoice.provenance.values()} == {Source.PDF_EMBEDDED}
