"""UBL syntax rules of the EN16931 UBL binding (UBL-CR-*, UBL-DT-*, UBL-SR-*).

Written from the rule texts of the CEN validation artefacts (EN16931-UBL-syntax.sch, 1.3.x):

* UBL-DT: data types. DT-01 (amounts: at most two fraction digits), DT-06 and DT-07 (binary
  objects carry mimeCode and filename) are fatal and fire per element; DT-08..28 (attributes the
  binding does not use) are warnings and fire once per document.
* UBL-SR: syntax restrictions ("shall occur maximum once" and a few conditions). All fatal; each
  fires once per context element, the context being the document, a line, a payment means, ...
  as the official rule says.
* UBL-CR: "A UBL invoice should not include X". Warnings (except CR-666 and CR-673, which the
  official file flags fatal), each fires once per document when X occurs. They are a table,
  evaluated in one walk of the document that only descends where the table has a path.

Where the official text names something that cannot occur (a misspelt element, a path one level
off) the rule is kept as written: it then never fires, as the official one never does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from services.validation.rules.engine import (
    NS,
    WATCHED_ATTRIBUTES,
    Doc,
    rule,
    string_value,
    table_rule,
)
from shared.schemas.events import Severity

Element = etree._Element
CBC, CAC = NS["cbc"], NS["cac"]
EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
_PREFIXES = {"cbc": CBC, "cac": CAC, "ext": EXT}
_INVOICE_LINE, _CREDIT_NOTE_LINE = f"{{{CAC}}}InvoiceLine", f"{{{CAC}}}CreditNoteLine"
_LINE_TAGS = (_INVOICE_LINE, _CREDIT_NOTE_LINE)


def _clark(step: str) -> str:
    prefix, local = step.split(":")
    return f"{{{_PREFIXES[prefix]}}}{local}"


def _local(tag: str) -> str:
    return tag[tag.rfind("}") + 1 :]


def _string(node: Element) -> str:
    """XPath string value of an element (all its text, not normalised)."""
    return string_value(node)


# --------------------------------------------------------------------------------------------
# UBL-CR: the table
# --------------------------------------------------------------------------------------------

_DOCUMENT_REFERENCE = (
    "cbc:CopyIndicator cbc:UUID cbc:IssueDate cbc:IssueTime cbc:DocumentTypeCode cbc:DocumentType"
    " cbc:Xpath cbc:LanguageID cbc:LocaleCode cbc:VersionID cbc:DocumentStatusCode"
    " cbc:DocumentDescription cac:Attachment cac:ValidityPeriod cac:IssuerParty"
    " cac:ResultOfVerification"
)
_ADDRESS = (
    "cbc:ID cbc:AddressTypeCode cbc:AddressFormatCode cbc:Postbox cbc:Floor cbc:Room cbc:BlockName"
    " cbc:BuildingName cbc:BuildingNumber cbc:InhouseMail cbc:Department cbc:MarkAttention"
    " cbc:MarkCare cbc:PlotIdentification cbc:CitySubdivisionName cbc:CountrySubentityCode"
    " cbc:Region cbc:District cbc:TimezoneOffset cac:Country/cbc:Name cac:LocationCoordinate"
)
_PARTY_TAX_SCHEME = (
    "cbc:RegistrationName cbc:TaxLevelCode cbc:ExemptionReasonCode cbc:ExemptionReason"
    " cac:RegistrationAddress cac:TaxScheme/cbc:Name cac:TaxScheme/cbc:TaxTypeCode"
    " cac:TaxScheme/cbc:CurrencyCode cac:TaxScheme/cac:JurisdictionRegionAddress"
)
_PARTY_HEAD = "cbc:MarkCareIndicator cbc:MarkAttentionIndicator cbc:WebsiteURI cbc:LogoReferenceID"
_LEGAL_ENTITY_TAIL = (
    "cbc:SoleProprietorshipIndicator cbc:CompanyLiquidationStatusCode cbc:CorporationStockAmount"
    " cbc:FullyPaidSharesIndicator cac:RegistrationAddress cac:CorporateRegistrationScheme"
    " cac:HeadOfficeParty cac:ShareholderParty"
)
_PARTY_TAIL = "cac:Person cac:AgentParty cac:ServiceProviderParty cac:PowerOfAttorney"
_CONTACT = "cbc:ID cbc:Telefax cbc:Note cac:OtherCommunication"
_ITEM_IDENTIFICATION = (
    "cbc:ExtendedID cbc:BareCodeSymbologyID cac:PhysicalAttribute cac:MeasurementDimension"
    " cac:IssuerParty"
)
_LINE = "LINE"  # cac:InvoiceLine or cac:CreditNoteLine
_ASP, _ACP = "cac:AccountingSupplierParty", "cac:AccountingCustomerParty"
_TRP, _PM = "cac:TaxRepresentativeParty", "cac:PaymentMeans"
_PFA = f"{_PM}/cac:PayeeFinancialAccount"

#: (first number, parent path or "", children): consecutive UBL-CR numbers, one per child.
_BLOCKS: tuple[tuple[int, str, str], ...] = (
    (1, "", "ext:UBLExtensions"),
    (3, "", "cbc:ProfileExecutionID cbc:CopyIndicator cbc:UUID cbc:IssueTime"),
    (7, "", "cbc:PricingCurrencyCode cbc:PaymentCurrencyCode cbc:PaymentAlternativeCurrencyCode"),
    (10, "", "cbc:AccountingCostCode cbc:LineCountNumeric"),
    (12, "cac:InvoicePeriod", "cbc:StartTime cbc:EndTime cbc:DurationMeasure cbc:Description"),
    (16, "cac:OrderReference", "cbc:CopyIndicator cbc:UUID cbc:IssueDate cbc:IssueTime"),
    (20, "cac:OrderReference", "cbc:CustomerReference cbc:OrderTypeCode cac:DocumentReference"),
    (
        23,
        "cac:BillingReference/cac:InvoiceDocumentReference",
        _DOCUMENT_REFERENCE.replace(" cbc:IssueDate", ""),
    ),
    (
        38,
        "cac:BillingReference",
        "cac:SelfBilledInvoiceDocumentReference cac:CreditNoteDocumentReference"
        " cac:SelfBilledCreditNoteDocumentReference cac:DebitNoteDocumentReference"
        " cac:ReminderDocumentReference cac:AdditionalDocumentReference"
        " cac:BillingReferenceLine",
    ),
    (45, "cac:DespatchDocumentReference", _DOCUMENT_REFERENCE),
    (61, "cac:ReceiptDocumentReference", _DOCUMENT_REFERENCE),
    (77, "", "cac:StatementDocumentReference"),
    (78, "cac:OriginatorDocumentReference", _DOCUMENT_REFERENCE),
    (94, "cac:ContractDocumentReference", _DOCUMENT_REFERENCE),
    (
        110,
        "cac:AdditionalDocumentReference",
        "cbc:CopyIndicator cbc:UUID cbc:IssueDate cbc:IssueTime cbc:DocumentType cbc:Xpath"
        " cbc:LanguageID cbc:LocaleCode cbc:VersionID cbc:DocumentStatusCode",
    ),
    (
        121,
        "cac:AdditionalDocumentReference/cac:Attachment/cac:ExternalReference",
        "cbc:DocumentHash cbc:HashAlgorithmMethod cbc:ExpiryDate cbc:ExpiryTime cbc:MimeCode"
        " cbc:FormatCode cbc:EncodingCode cbc:CharacterSetCode cbc:FileName cbc:Description",
    ),
    (
        131,
        "cac:AdditionalDocumentReference",
        "cac:ValidityPeriod cac:IssuerParty cac:ResultOfVerification",
    ),
    (134, "cac:ProjectReference", "cbc:UUID cbc:IssueDate cac:WorkPhaseReference"),
    (137, "", "cac:Signature"),
    (138, _ASP, "cbc:CustomerAssignedAccountID cbc:AdditionalAccountID cbc:DataSendingCapability"),
    (141, f"{_ASP}/cac:Party", f"{_PARTY_HEAD} cbc:IndustryClassificationCode cac:Language"),
    (147, f"{_ASP}/cac:Party/cac:PostalAddress", _ADDRESS),
    (168, f"{_ASP}/cac:Party", "cac:PhysicalLocation"),
    (169, f"{_ASP}/cac:Party/cac:PartyTaxScheme", _PARTY_TAX_SCHEME),
    (
        178,
        f"{_ASP}/cac:Party/cac:PartyLegalEntity",
        f"cbc:RegistrationDate cbc:RegistrationExpirationDate cbc:CompanyLegalFormCode"
        f" {_LEGAL_ENTITY_TAIL}",
    ),
    (189, f"{_ASP}/cac:Party/cac:Contact", _CONTACT),
    (193, f"{_ASP}/cac:Party", f"{_PARTY_TAIL} cac:FinancialAccount"),
    (198, _ASP, "cac:DespatchContact cac:AccountingContact cac:SellerContact"),
    (
        201,
        _ACP,
        "cbc:CustomerAssignedAccountID cbc:SupplierAssignedAccountID cbc:AdditionalAccountID",
    ),
    (204, f"{_ACP}/cac:Party", f"{_PARTY_HEAD} cbc:IndustryClassificationCode cac:Language"),
    (210, f"{_ACP}/cac:Party/cac:PostalAddress", _ADDRESS),
    (231, f"{_ACP}/cac:Party", "cac:PhysicalLocation"),
    (232, f"{_ACP}/cac:Party/cac:PartyTaxScheme", _PARTY_TAX_SCHEME),
    (
        241,
        f"{_ACP}/cac:Party/cac:PartyLegalEntity",
        f"cbc:RegistrationDate cbc:RegistrationExpirationDate cbc:CompanyLegalFormCode"
        f" cbc:CompanyLegalForm {_LEGAL_ENTITY_TAIL}",
    ),
    (253, f"{_ACP}/cac:Party/cac:Contact", _CONTACT),
    (257, f"{_ACP}/cac:Party", f"{_PARTY_TAIL} cac:FinancialAccount"),
    (262, _ACP, "cac:DeliveryContact cac:AccountingContact cac:BuyerContact"),
    (
        265,
        "cac:PayeeParty",
        f"{_PARTY_HEAD} cbc:EndpointID cbc:IndustryClassificationCode cac:Language"
        " cac:PostalAddress cac:PhysicalLocation cac:PartyTaxScheme",
    ),
    (
        275,
        "cac:PayeeParty/cac:PartyLegalEntity",
        "cbc:RegistrationName cbc:RegistrationDate cbc:RegistrationExpirationDate"
        f" cbc:CompanyLegalFormCode cbc:CompanyLegalForm {_LEGAL_ENTITY_TAIL}",
    ),
    (288, "cac:PayeeParty", f"cac:Contact {_PARTY_TAIL} cac:FinancialAccount"),
    (294, "", "cac:BuyerCustomerParty cac:SellerSupplierParty"),
    (
        296,
        _TRP,
        f"{_PARTY_HEAD} cbc:EndpointID cbc:IndustryClassificationCode cac:PartyIdentification"
        " cac:Language",
    ),
    (304, f"{_TRP}/cac:PostalAddress", _ADDRESS),
    (325, _TRP, "cac:PhysicalLocation"),
    (326, f"{_TRP}/cac:PartyTaxScheme", _PARTY_TAX_SCHEME),
    (335, _TRP, f"cac:PartyLegalEntity cac:Contact {_PARTY_TAIL} cac:FinancialAccount"),
    (
        342,
        "cac:Delivery",
        "cbc:ID cbc:Quantity cbc:MinimumQuantity cbc:MaximumQuantity cbc:ActualDeliveryTime"
        " cbc:LatestDeliveryDate cbc:LatestDeliveryTime cbc:ReleaseID cbc:TrackingID",
    ),
    (
        351,
        "cac:Delivery/cac:DeliveryLocation",
        "cbc:Description cbc:Conditions cbc:CountrySubentity cbc:CountrySubentityCode"
        " cbc:LocationTypeCode cbc:InformationURI cbc:Name cac:ValidationPeriod",
    ),
    (359, "cac:Delivery/cac:DeliveryLocation/cac:Address", _ADDRESS),
    (380, "cac:Delivery/cac:DeliveryLocation", "cac:SubsidiaryLocation cac:LocationCoordinate"),
    (
        382,
        "cac:Delivery",
        "cac:AlternativeDeliveryLocation cac:RequestedDeliveryPeriod cac:PromisedDeliveryPeriod"
        " cac:CarrierParty",
    ),
    (
        386,
        "cac:Delivery/cac:DeliveryParty",
        f"{_PARTY_HEAD} cbc:EndpointID cbc:IndustryClassificationCode cac:PartyIdentification"
        " cac:Language cac:PostalAddress cac:PhysicalLocation cac:PartyTaxScheme"
        f" cac:PartyLegalEntity cac:Contact {_PARTY_TAIL} cac:FinancialAccount",
    ),
    (
        404,
        "cac:Delivery",
        "cac:NotifyParty cac:Despatch cac:DeliveryTerms cac:MinimumDeliveryUnit"
        " cac:MaximumDeliveryUnit cac:Shipment",
    ),
    (410, "", "cac:DeliveryTerms"),
    (411, _PM, "cbc:ID"),
    # 412 (PaymentMeans PaymentDueDate) is an Invoice-only rule: see _INVOICE_ONLY.
    (412, _PM, "cbc:PaymentDueDate cbc:PaymentChannelCode cbc:InstructionID"),
    (
        415,
        f"{_PM}/cac:CardAccount",
        "cbc:CardTypeCode cbc:ValidityStartDate cbc:ExpiryDate cbc:IssuerID cbc:IssuerNumberID"
        " cbc:CV2ID cbc:CardChipCode cbc:ChipApplicationID",
    ),
    (
        424,
        _PFA,
        "cbc:AliasName cbc:AccountTypeCode cbc:AccountFormatCode cbc:CurrencyCode cbc:PaymentNote",
    ),
    (429, f"{_PFA}/cac:FinancialInstitutionBranch", "cbc:Name"),
    (
        430,
        f"{_PFA}/cac:FinancialInstitutionBranch/cac:FinancialInstitution",
        "cbc:Name cac:Address",
    ),
    (432, f"{_PFA}/cac:FinancialInstitutionBranch", "cac:Address"),
    (433, _PFA, "cac:Country"),
    (434, _PM, "cac:CreditAccount"),
    (
        435,
        f"{_PM}/cac:PaymentMandate",
        "cbc:MandateTypeCode cbc:MaximumPaymentInstructionsNumeric cbc:MaximumPaidAmount"
        " cbc:SignatureID cac:PayerParty",
    ),
    (
        440,
        f"{_PM}/cac:PaymentMandate/cac:PayerFinancialAccount",
        "cbc:Name cbc:AliasName cbc:AccountTypeCode cbc:AccountFormatCode cbc:CurrencyCode"
        " cbc:PaymentNote cac:FinancialInstitutionBranch cac:Country",
    ),
    (
        448,
        f"{_PM}/cac:PaymentMandate",
        "cac:ValidityPeriod cac:PaymentReversalPeriod cac:Clause",
    ),
    (451, _PM, "cac:TradeFinancing"),
    (
        452,
        "cac:PaymentTerms",
        "cbc:ID cbc:PaymentMeansID cbc:PrepaidPaymentReferenceID cbc:ReferenceEventCode"
        " cbc:SettlementDiscountPercent cbc:PenaltySurchargePercent cbc:PaymentPercent cbc:Amount"
        " cbc:SettlementDiscountAmount cbc:PenaltyAmount cbc:PaymentTermsDetailsURI"
        " cbc:PaymentDueDate cbc:InstallmentDueDate cbc:InvoicingPartyReference"
        " cac:SettlementPeriod cac:PenaltyPeriod cac:ExchangeRate cac:ValidityPeriod",
    ),
    (470, "", "cac:PrepaidPayment"),
    (
        471,
        "cac:AllowanceCharge",
        "cbc:ID cbc:PrepaidIndicator cbc:SequenceNumeric cbc:AccountingCostCode"
        " cbc:AccountingCost cbc:PerUnitAmount",
    ),
    (
        477,
        "cac:AllowanceCharge/cac:TaxCategory",
        "cbc:Name cbc:BaseUnitMeasure cbc:PerUnitAmount cbc:TaxExemptionReasonCode"
        " cbc:TaxExemptionReason cbc:TierRange cbc:TierRatePercent",
    ),
    # The official paths say "Jurisdiccion": an element UBL does not have.
    (
        484,
        "cac:AllowanceCharge/cac:TaxCategory/cac:TaxScheme",
        "cbc:Name cbc:TaxTypeCode cbc:CurrencyCode cac:JurisdiccionRegionAddress",
    ),
    (488, "cac:AllowanceCharge", "cac:TaxTotal cac:PaymentMeans"),
    (
        490,
        "",
        "cac:TaxExchangeRate cac:PricingExchangeRate cac:PaymentExchangeRate"
        " cac:PaymentAlternativeExchangeRate",
    ),
    (494, "cac:TaxTotal", "cbc:RoundingAmount cbc:TaxEvidenceIndicator cbc:TaxIncludedIndicator"),
    (
        497,
        "cac:TaxTotal/cac:TaxSubtotal",
        "cbc:CalculationSequenceNumeric cbc:TransactionCurrencyTaxAmount cbc:Percent"
        " cbc:BaseUnitMeasure cbc:PerUnitAmount cbc:TierRange cbc:TierRatePercent",
    ),
    (
        504,
        "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory",
        "cbc:Name cbc:BaseUnitMeasure cbc:PerUnitAmount cbc:TierRange cbc:TierRatePercent",
    ),
    (
        509,
        "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme",
        "cbc:Name cbc:TaxTypeCode cbc:CurrencyCode cac:JurisdiccionRegionAddress",
    ),
    (513, "", "cac:WithholdingTaxTotal"),
    (514, "cac:LegalMonetaryTotal", "cbc:PayableAlternativeAmount"),
    (
        515,
        _LINE,
        "cbc:UUID cbc:TaxPointDate cbc:AccountingCostCode cbc:PaymentPurposeCode"
        " cbc:FreeOfChargeIndicator",
    ),
    (
        520,
        f"{_LINE}/cac:InvoicePeriod",
        "cbc:StartTime cbc:EndTime cbc:DurationMeasure cbc:DescriptionCode cbc:Description",
    ),
    (
        525,
        f"{_LINE}/cac:OrderLineReference",
        "cbc:SalesOrderLineID cbc:UUID cbc:LineStatusCode cac:OrderReference",
    ),
    (529, _LINE, "cac:DespatchLineReference cac:ReceiptLineReference cac:BillingReference"),
    (532, f"{_LINE}/cac:DocumentReference", "cbc:CopyIndicator cbc:UUID cbc:IssueDate"),
    (535, f"{_LINE}/cac:DocumentReference", "cbc:IssueTime"),
    (
        537,
        f"{_LINE}/cac:DocumentReference",
        "cbc:DocumentType cbc:Xpath cbc:LanguageID cbc:LocaleCode cbc:VersionID"
        " cbc:DocumentStatusCode cbc:DocumentDescription cac:Attachment cac:ValidityPeriod"
        " cac:IssuerParty cac:ResultOfVerification",
    ),
    (548, _LINE, "cac:PricingReference cac:OriginatorParty cac:Delivery cac:PaymentTerms"),
    (
        552,
        f"{_LINE}/cac:AllowanceCharge",
        "cbc:ID cbc:PrepaidIndicator cbc:SequenceNumeric cbc:AccountingCostCode"
        " cbc:AccountingCost cbc:PerUnitAmount cac:TaxCategory cac:TaxTotal cac:PaymentMeans",
    ),
    (561, _LINE, "cac:TaxTotal cac:WithholdingTaxTotal"),
    (
        563,
        f"{_LINE}/cac:Item",
        "cbc:PackQuantity cbc:PackSizeNumeric cbc:CatalogueIndicator cbc:HazardousRiskIndicator"
        " cbc:AdditionalInformation cbc:Keyword cbc:BrandName cbc:ModelName",
    ),
    (571, f"{_LINE}/cac:Item/cac:BuyersItemIdentification", _ITEM_IDENTIFICATION),
    (576, f"{_LINE}/cac:Item/cac:SellersItemIdentification", _ITEM_IDENTIFICATION),
    (581, f"{_LINE}/cac:Item", "cac:ManufacturersItemIdentification"),
    (582, f"{_LINE}/cac:Item/cac:StandardItemIdentification", _ITEM_IDENTIFICATION),
    (
        587,
        f"{_LINE}/cac:Item",
        "cac:CatalogueItemIdentification cac:AdditionalItemIdentification"
        " cac:CatalogueDocumentReference cac:ItemSpecificationDocumentReference"
        " cac:OriginCountry/cbc:Name",
    ),
    (
        592,
        f"{_LINE}/cac:Item/cac:CommodityClassification",
        "cbc:NatureCode cbc:CargoTypeCode cbc:CommodityCode",
    ),
    (595, f"{_LINE}/cac:Item", "cac:TransactionConditions cac:HazardousItem"),
    (
        597,
        f"{_LINE}/cac:Item/cac:ClassifiedTaxCategory",
        "cbc:Name cbc:BaseUnitMeasure cbc:PerUnitAmount cbc:TaxExemptionReasonCode"
        " cbc:TaxExemptionReason cbc:TierRange cbc:TierRatePercent",
    ),
    (
        604,
        f"{_LINE}/cac:Item/cac:ClassifiedTaxCategory/cac:TaxScheme",
        "cbc:Name cbc:TaxTypeCode cbc:CurrencyCode cac:JurisdiccionRegionAddress",
    ),
    (
        608,
        f"{_LINE}/cac:Item/cac:AdditionalItemProperty",
        "cbc:ID cbc:NameCode cbc:TestMethod cbc:ValueQuantity cbc:ValueQualifier"
        " cbc:ImportanceCode cbc:ListValue cac:UsabilityPeriod cac:ItemPropertyGroup"
        " cac:RangeDimension cac:ItemPropertyRange",
    ),
    (
        619,
        f"{_LINE}/cac:Item",
        "cac:ManufacturerParty cac:InformationContentProviderParty cac:OriginAddress"
        " cac:ItemInstance cac:Certificate cac:Dimension",
    ),
    # The official paths put Price under Item (it is a child of the line): they never match.
    (
        625,
        f"{_LINE}/cac:Item/cac:Price",
        "cbc:PriceChangeReason cbc:PriceTypeCode cbc:PriceType cbc:OrderableUnitFactorRate"
        " cbc:ValidityPeriod cbc:PriceList cbc:OrderableUnitFactorRate",
    ),
    (
        632,
        f"{_LINE}/cac:Item/cac:Price/cac:AllowanceCharge",
        "cbc:ID cbc:AllowanceChargeReasonCode cbc:AllowanceChargeReason"
        " cbc:MultiplierFactorNumeric cbc:PrepaidIndicator cbc:SequenceNumeric"
        " cbc:AccountingCostCode cbc:AccountingCost cbc:PerUnitAmount cac:TaxCategory"
        " cac:TaxTotal cac:PaymentMeans",
    ),
    (644, f"{_LINE}/cac:Item/cac:Price", "cac:PricingExchangeRate"),
    (645, _LINE, "cac:DeliveryTerms cac:SubInvoiceLine cac:ItemPriceExtension"),
    (
        648,
        "",
        "cbc:CustomizationID/@schemeID cbc:ProfileID/@schemeID cbc:ID/@schemeID"
        " cbc:SalesOrderID/@schemeID",
    ),
    (653, _PM, "cbc:PaymentID/@schemeID"),
    (654, _PFA, "cbc:ID/@schemeID"),
    (655, f"{_PFA}/cac:FinancialInstitutionBranch", "cbc:ID/@schemeID"),
    (
        656,
        "",
        "cbc:InvoiceTypeCode/@listID cbc:DocumentCurrencyCode/@listID cbc:TaxCurrencyCode/@listID",
    ),
    (659, "cac:AdditionalDocumentReference", "cbc:DocumentTypeCode/@listID"),
    (661, _PM, "cbc:PaymentMeansCode/@listID"),
    (672, "", "cbc:CreditNoteTypeCode/@listID"),
)
_INVOICE_ONLY = frozenset({"UBL-CR-412"})


@dataclass(frozen=True)
class Forbidden:
    """A UBL-CR row: the element (or attribute) at `path` below the document should not be."""

    rule_id: str
    path: str  # cac:/cbc:/ext: child steps from the root, maybe ending in /@attribute

    @property
    def element(self) -> str:
        """The official message's way of naming it: the steps' local names."""
        steps = [step.split(":")[-1] for step in self.path.split("/")]
        if steps[-1].startswith("@"):
            steps[-1] = steps[-1][1:]
        return " ".join("InvoiceLine" if step == _LINE else step for step in steps)


def _table() -> tuple[Forbidden, ...]:
    rows = []
    for first, parent, children in _BLOCKS:
        for offset, child in enumerate(children.split()):
            path = f"{parent}/{child}" if parent else child
            rows.append(Forbidden(f"UBL-CR-{first + offset:03d}", path))
    return tuple(rows)


FORBIDDEN = _table()

#: The walk: Clark tag -> (rule ids of this element, attribute -> rule ids, children's walk).
Walk = dict[str, tuple[list[str], dict[str, list[str]], "Walk"]]


def _build_walk(rows: Iterable[Forbidden]) -> Walk:
    walk: Walk = {}
    for row in rows:
        steps = row.path.split("/")
        attribute = steps.pop()[1:] if steps[-1].startswith("@") else None
        starts = list(_LINE_TAGS) if steps[0] == _LINE else [_clark(steps[0])]
        for start in starts:
            level, node = walk, None
            for tag in [start, *(_clark(step) for step in steps[1:])]:
                node = level.setdefault(tag, ([], {}, {}))
                level = node[2]
            assert node is not None
            if attribute is None:
                node[0].append(row.rule_id)
            else:
                node[1].setdefault(attribute, []).append(row.rule_id)
    return walk


#: The walk as it is run: Clark tag -> (rule ids, ((attribute, rule ids), ...), walk below or
#: None); empty parts are falsy so the walk skips them at no cost.
Frozen = dict[str, tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...], Any]]


def _freeze(walk: Walk) -> Frozen:
    return {
        tag: (
            tuple(ids),
            tuple((name, tuple(rule_ids)) for name, rule_ids in attributes.items()),
            _freeze(below) if below else None,
        )
        for tag, (ids, attributes, below) in walk.items()
    }


_WALK_INVOICE = _freeze(_build_walk(FORBIDDEN))
_WALK_CREDIT_NOTE = _freeze(
    _build_walk(row for row in FORBIDDEN if row.rule_id not in _INVOICE_ONLY)
)


@dataclass(frozen=True)
class Anywhere:
    """A UBL-CR row whose official path starts with // : the element anywhere in the document,
    under the given parents (innermost last), carrying the attribute, passing the test."""

    rule_id: str
    parents: tuple[str, ...]
    tag: str
    attribute: str | None = None
    test: Callable[[Element], bool] | None = None
    message_en: str = ""
    flag: Severity = Severity.WARNING


def _type_code_is_130(reference: Element | None) -> bool:
    if reference is None:
        return False
    return any(_string(c) == "130" for c in reference.iterchildren(f"{{{CBC}}}DocumentTypeCode"))


def _not_object_reference(reference: Element | None) -> bool:
    """[cbc:DocumentTypeCode != '130' or not(cbc:DocumentTypeCode)] (general comparison)."""
    if reference is None:
        return False
    codes = [_string(c) for c in reference.iterchildren(f"{{{CBC}}}DocumentTypeCode")]
    return not codes or any(code != "130" for code in codes)


_ADR = "cac:AdditionalDocumentReference"
ANYWHERE: tuple[Anywhere, ...] = (
    Anywhere(
        "UBL-CR-652",
        ("cac:PartyTaxScheme",),
        "cbc:CompanyID",
        "schemeID",
        message_en="the PartyTaxScheme CompanyID scheme identifier",
    ),
    Anywhere(
        "UBL-CR-660",
        ("cac:Country",),
        "cbc:IdentificationCode",
        "listID",
        message_en="the Country Identification code listID",
    ),
    Anywhere(
        "UBL-CR-662",
        (),
        "cbc:AllowanceChargeReasonCode",
        "listID",
        message_en="the AllowanceChargeReasonCode listID",
    ),
    Anywhere(
        "UBL-CR-664",
        (),
        "cac:FinancialInstitution",
        message_en="the FinancialInstitutionBranch FinancialInstitution",
    ),
    Anywhere(
        "UBL-CR-665",
        (_ADR,),
        "cbc:ID",
        "schemeID",
        lambda node: _not_object_reference(node.getparent()),
        "the AdditionalDocumentReference ID schemeID unless the DocumentTypeCode equals '130'",
    ),
    Anywhere(
        "UBL-CR-666",
        (_ADR,),
        "cac:Attachment",
        None,
        lambda node: _type_code_is_130(node.getparent()),
        "an AdditionalDocumentReference simultaneously referring an Invoice Object Identifier"
        " and an Attachment",
        Severity.FATAL,
    ),
    Anywhere(
        "UBL-CR-667",
        ("cac:BuyersItemIdentification",),
        "cbc:ID",
        "schemeID",
        message_en="a Buyer Item Identification schemeID",
    ),
    Anywhere(
        "UBL-CR-668",
        ("cac:SellersItemIdentification",),
        "cbc:ID",
        "schemeID",
        message_en="a Sellers Item Identification schemeID",
    ),
    Anywhere(
        "UBL-CR-669",
        ("cac:Price", "cac:AllowanceCharge"),
        "cbc:AllowanceChargeReasonCode",
        message_en="a Price Allowance Reason Code",
    ),
    Anywhere(
        "UBL-CR-670",
        ("cac:Price", "cac:AllowanceCharge"),
        "cbc:AllowanceChargeReason",
        message_en="a Price Allowance Reason",
    ),
    Anywhere(
        "UBL-CR-671",
        ("cac:Price", "cac:AllowanceCharge"),
        "cbc:MultiplierFactorNumeric",
        message_en="a Price Allowance Multiplier Factor",
    ),
    Anywhere(
        "UBL-CR-673",
        (_ADR,),
        "cbc:DocumentDescription",
        None,
        lambda node: _type_code_is_130(node.getparent()),
        "an AdditionalDocumentReference simultaneously referring an Invoice Object Identifier"
        " and an Document Description",
        Severity.FATAL,
    ),
    # The official path names cbc:PrimaryAccountNumber (UBL's is ...NumberID): it never fires.
    Anywhere(
        "UBL-CR-674",
        (),
        "cbc:PrimaryAccountNumber",
        "schemeID",
        message_en="the PrimaryAccountNumber schemeID",
    ),
    Anywhere(
        "UBL-CR-675",
        ("cac:CardAccount",),
        "cbc:NetworkID",
        "schemeID",
        message_en="the NetworkID schemeID",
    ),
    Anywhere(
        "UBL-CR-676",
        ("cac:PaymentMandate",),
        "cbc:ID",
        "schemeID",
        message_en="the PaymentMandate/ID schemeID",
    ),
    Anywhere(
        "UBL-CR-677",
        ("cac:PaymentMandate", "cac:PayerFinancialAccount"),
        "cbc:ID",
        "schemeID",
        message_en="the PayerFinancialAccount/ID schemeID",
    ),
    Anywhere(
        "UBL-CR-678",
        ("cac:TaxCategory",),
        "cbc:ID",
        "schemeID",
        message_en="the TaxCategory/ID schemeID",
    ),
    Anywhere(
        "UBL-CR-679",
        ("cac:ClassifiedTaxCategory",),
        "cbc:ID",
        "schemeID",
        message_en="the ClassifiedTaxCategory/ID schemeID",
    ),
    Anywhere(
        "UBL-CR-680",
        ("cac:PaymentMeans",),
        "cac:PayerFinancialAccount",
        message_en="the PaymentMeans/PayerFinancialAccount",
    ),
)
_ANYWHERE_BY_TAG: dict[str, list[Anywhere]] = {}
for _row in ANYWHERE:
    _ANYWHERE_BY_TAG.setdefault(_clark(_row.tag), []).append(_row)
_ANYWHERE_TAGS = tuple(_ANYWHERE_BY_TAG)
#: Tag -> the attribute all its // rows ask for (when they all ask for the same one).
_ANYWHERE_GATE = {
    tag: next(iter(wanted))
    for tag, rows in _ANYWHERE_BY_TAG.items()
    if len(wanted := {row.attribute for row in rows}) == 1 and None not in wanted
}
_ANYWHERE_PARENTS = {row.rule_id: tuple(_clark(p) for p in row.parents) for row in ANYWHERE}


def _under(node: Element, parents: tuple[str, ...]) -> bool:
    current: Element | None = node
    for tag in reversed(parents):
        current = current.getparent() if current is not None else None
        if current is None or current.tag != tag:
            return False
    return True


# --------------------------------------------------------------------------------------------
# UBL-DT: attributes the binding does not use (root context, once per document)
# --------------------------------------------------------------------------------------------

DT_ATTRIBUTES: dict[str, tuple[str, str]] = {
    "schemeName": ("UBL-DT-08", "Scheme name attribute should not be present"),
    "schemeAgencyName": ("UBL-DT-09", "Scheme agency name attribute should not be present"),
    "schemeDataURI": ("UBL-DT-10", "Scheme data uri attribute should not be present"),
    "schemeURI": ("UBL-DT-11", "Scheme uri attribute should not be present"),
    "format": ("UBL-DT-12", "Format attribute should not be present"),
    "unitCodeListIdentifier": (
        "UBL-DT-13",
        "Unit code list identifier attribute should not be present",
    ),
    "unitCodeListAgencyIdentifier": (
        "UBL-DT-14",
        "Unit code list agency identifier attribute should not be present",
    ),
    "unitCodeListAgencyName": (
        "UBL-DT-15",
        "Unit code list agency name attribute should not be present",
    ),
    "listAgencyName": ("UBL-DT-16", "List agency name attribute should not be present"),
    "listName": ("UBL-DT-17", "List name attribute should not be present"),
    "name": ("UBL-DT-18", "Name attribute should not be present"),
    "languageID": ("UBL-DT-19", "Language identifier attribute should not be present"),
    "listURI": ("UBL-DT-20", "List uri attribute should not be present"),
    "listSchemeURI": ("UBL-DT-21", "List scheme uri attribute should not be present"),
    "languageLocaleID": ("UBL-DT-22", "Language local identifier attribute should not be present"),
    "uri": ("UBL-DT-23", "Uri attribute should not be present"),
    "currencyCodeListVersionID": (
        "UBL-DT-24",
        "Currency code list version id should not be present",
    ),
    "characterSetCode": ("UBL-DT-25", "CharacterSetCode attribute should not be present"),
    "encodingCode": ("UBL-DT-26", "EncodingCode attribute should not be present"),
    "schemeAgencyID": ("UBL-DT-27", "Scheme Agency ID attribute should not be present"),
    "listAgencyID": ("UBL-DT-28", "List Agency ID attribute should not be present"),
}
_CR_663 = "unitCodeListID"  # UBL-CR-663: //@unitCodeListID
WATCHED_ATTRIBUTES.update([*DT_ATTRIBUTES, _CR_663])  # noted by `Doc.attributed`
_PAYMENT_MEANS_CODE = f"{{{CBC}}}PaymentMeansCode"
_PRICE, _ALLOWANCE_CHARGE = f"{{{CAC}}}Price", f"{{{CAC}}}AllowanceCharge"

#: UBL-DT-01 and -06/07 concern every element whose name ends in Amount or BinaryObject. The
#: UBL 2.1 elements of those names an Invoice or CreditNote can hold are listed (an XPath or
#: Python test of every element's name costs 5 to 10 times the C-level tag filter); inside
#: ext:UBLExtensions, where anything may be, every element's name is tested.
AMOUNT_ELEMENTS = [
    "Amount",
    "AllowanceTotalAmount",
    "BaseAmount",
    "ChargeTotalAmount",
    "CorporateStockAmount",
    "CorporationStockAmount",
    "DeclaredCarriageValueAmount",
    "DeclaredCustomsValueAmount",
    "DeclaredForCarriageValueAmount",
    "DeclaredStatisticsValueAmount",
    "FreeOnBoardValueAmount",
    "InsurancePremiumAmount",
    "InsuranceValueAmount",
    "LineExtensionAmount",
    "LiabilityAmount",
    "MaximumAmount",
    "MaximumPaidAmount",
    "MinimumAmount",
    "PaidAmount",
    "PayableAlternativeAmount",
    "PayableAmount",
    "PayableRoundingAmount",
    "PenaltyAmount",
    "PerUnitAmount",
    "PrepaidAmount",
    "RoundingAmount",
    "SettlementDiscountAmount",
    "TaxAmount",
    "TaxableAmount",
    "TaxExclusiveAmount",
    "TaxInclusiveAmount",
    "TotalInvoiceAmount",
    "TransactionCurrencyTaxAmount",
    "ValueAmount",
]
BINARY_OBJECT_ELEMENTS = ("EmbeddedDocumentBinaryObject",)
_TYPED_TAGS = tuple(f"{{*}}{name}" for name in (*AMOUNT_ELEMENTS, *BINARY_OBJECT_ELEMENTS))
_EXTENSIONS = f"{{{EXT}}}UBLExtensions"

#: Elements the SR rules take as context or count anywhere in the document.
CONTEXT_ELEMENTS = tuple(
    _clark(step)
    for step in [
        "cac:AccountingSupplierParty",
        "cac:AdditionalDocumentReference",
        "cac:AllowanceCharge",
        "cac:BillingReference",
        "cac:Delivery",
        "cac:PayeeParty",
        "cac:PaymentMeans",
        "cac:PartyIdentification",
        "cac:TaxRepresentativeParty",
        "cac:TaxSubtotal",
        "cbc:PaymentID",
        "cbc:PaymentMeansCode",
    ]
)
_COLLECTED = tuple(dict.fromkeys((*_ANYWHERE_TAGS, *CONTEXT_ELEMENTS)))


@dataclass
class Scan:
    """Everything the DT, CR and SR rules need, from one look at the document."""

    hits: dict[str, list[str]]  # CR and DT-08..28: rule id -> the one location
    amounts: list[Element]  # UBL-DT-01 violations
    no_mime: list[Element]
    no_filename: list[Element]
    by_tag: dict[str, list[Element]]  # CONTEXT_ELEMENTS found, in document order


def _price_allowance_ancestor(node: Element) -> bool:
    """ancestor::cac:Price/cac:AllowanceCharge is not empty (an ancestor Price that has an
    AllowanceCharge child)."""
    for ancestor in node.iterancestors(_PRICE):
        if next(ancestor.iterchildren(_ALLOWANCE_CHARGE), None) is not None:
            return True
    return False


def _scan(doc: Doc) -> Scan:
    found: Scan | None = doc.shared.get(_scan)
    if found is None:
        found = doc.shared[_scan] = _compute_scan(doc)
    return found


def _elements(doc: Doc, tag: str) -> list[Element]:
    return _scan(doc).by_tag.get(tag, [])


def _compute_scan(doc: Doc) -> Scan:
    root = doc.root
    hits: dict[str, list[str]] = {}

    def hit(rule_id: str, node: Element) -> None:
        if rule_id not in hits:
            hits[rule_id] = [doc.location(node)]

    # Root-relative table: descend only where the table goes.
    pending: list[tuple[Element, Frozen]] = [
        (root, _WALK_CREDIT_NOTE if doc.is_credit_note else _WALK_INVOICE)
    ]
    # The children are read from the child index, by tag: siblings of one tag stay in document
    # order, and subtrees of different tags hold different rows, so the stack still meets each
    # row's elements in the same order. Only at the root do two tags share rows (the line
    # rows, under InvoiceLine and CreditNoteLine): with both present, the root's children are
    # taken in document order.
    child_index = doc.child_index
    while pending:
        parent, level = pending.pop()
        index = child_index(parent)
        if parent is root and _LINE_TAGS[0] in index and _LINE_TAGS[1] in index:
            groups: Iterable[tuple[Any, Any]] = ((child.tag, child) for child in parent)
        else:
            groups = index.items()
        for tag, found in groups:
            entry = level.get(tag)
            if entry is None:
                continue
            rule_ids, attributes, below = entry
            for child in found if isinstance(found, list) else (found,):
                if rule_ids:
                    for rule_id in rule_ids:
                        hit(rule_id, child)
                if attributes:
                    for attribute, attribute_rules in attributes:
                        if child.get(attribute) is not None:
                            for rule_id in attribute_rules:
                                hit(rule_id, child)
                if below is not None:
                    pending.append((child, below))
    # CR-002: no UBLVersionID, or one of them is 2.1.
    versions = list(root.iterchildren(f"{{{CBC}}}UBLVersionID"))
    if versions and all(_string(v) != "2.1" for v in versions):
        hit("UBL-CR-002", versions[0])
    # The // rows of the table, and the SR rules' contexts.
    by_tag: dict[str, list[Element]] = {}
    if root is doc.top:
        # Each row concerns one tag, so it meets its elements in the same order when they are
        # taken tag by tag from the document's tag index.
        tag_index = doc.by_tag
        for tag in _COLLECTED:
            tagged = tag_index.get(tag)
            if tagged:
                by_tag[tag] = tagged
    else:
        for node in root.iter(*_COLLECTED):
            by_tag.setdefault(node.tag, []).append(node)
    for tag, rows in _ANYWHERE_BY_TAG.items():
        nodes = by_tag.get(tag)
        if not nodes:
            continue
        gate = _ANYWHERE_GATE.get(tag)
        for node in nodes:
            if gate is not None and node.get(gate) is None:
                continue  # every // row for this element asks for an attribute it lacks
            above = node.getparent()
            parent_tag = above.tag if above is not None else None
            for row in rows:
                parents = _ANYWHERE_PARENTS[row.rule_id]
                if parents and parents[-1] != parent_tag:
                    continue  # `_under` would fail at its first step: the parent asked once
                if row.rule_id in hits:
                    continue
                if row.attribute is not None and node.get(row.attribute) is None:
                    continue
                if not _under(node, parents):
                    continue
                if row.test is None or row.test(node):
                    hit(row.rule_id, node)
    # Attributes (DT-08..28, CR-663).
    for owner, name in doc.attributed:  # the walk of the tag index notes them
        if name == _CR_663:
            hit("UBL-CR-663", owner)
        elif name != "name" or owner.tag != _PAYMENT_MEANS_CODE:
            hit(DT_ATTRIBUTES[name][0], owner)
    # Data types.
    typed = list(root.iter(*_TYPED_TAGS))
    extended = False
    for extensions in root.iterchildren(_EXTENSIONS):
        known = set(typed)
        for node in extensions.iter(etree.Element):
            if node not in known and _local(node.tag).endswith(("Amount", "BinaryObject")):
                typed.append(node)
                extended = True
    amounts, no_mime, no_filename = [], [], []
    for node in typed:
        name = node.tag  # a Clark name ends in the local name
        if name.endswith("BinaryObject"):
            if node.get("mimeCode") is None:
                no_mime.append(node)
            if node.get("filename") is None:
                no_filename.append(node)
            continue
        if name.endswith("PriceAmount"):
            continue
        text = (node.text or "") if len(node) == 0 else _string(node)
        point = text.find(".")
        if point >= 0 and len(text) - point - 1 > 2 and not _price_allowance_ancestor(node):
            amounts.append(node)
    if extended:  # back in document order
        order = {node: index for index, node in enumerate(root.iter())}
        amounts.sort(key=order.__getitem__)
        no_mime.sort(key=order.__getitem__)
        no_filename.sort(key=order.__getitem__)
    return Scan(hits, amounts, no_mime, no_filename, by_tag)


def _register_table() -> None:
    for row in FORBIDDEN:
        if row.rule_id == "UBL-CR-001":
            english, element = "extensions", "utvidelser (extensions)"
        else:
            english = element = row.element
        table_rule(
            row.rule_id,
            f"A UBL invoice should not include the {english}",
            f"En UBL-faktura bør ikke inneholde {element}",
            _hits,
            flag=Severity.WARNING,
        )
    for anywhere in ANYWHERE:
        fatal = anywhere.flag is Severity.FATAL
        if fatal:
            what = "vedlegg" if anywhere.tag == "cac:Attachment" else "beskrivelse"
            norsk = (
                "En UBL-faktura skal ikke inneholde en AdditionalDocumentReference som både"
                f" viser til fakturert objekt (kode 130) og har {what}"
            )
        else:
            element = anywhere.message_en.removeprefix("the ").removeprefix("a ")
            norsk = f"En UBL-faktura bør ikke inneholde {element}"
        table_rule(
            anywhere.rule_id,
            f"A UBL invoice {'shall' if fatal else 'should'} not include {anywhere.message_en}",
            norsk,
            _hits,
            flag=anywhere.flag,
        )
    table_rule(
        "UBL-CR-002",
        "A UBL invoice should not include the UBLVersionID or it should be 2.1",
        "En UBL-faktura bør ikke inneholde UBLVersionID, eller den bør være 2.1",
        _hits,
        flag=Severity.WARNING,
    )
    table_rule(
        "UBL-CR-663",
        "A UBL invoice should not include the unitCodeListID",
        "En UBL-faktura bør ikke inneholde unitCodeListID",
        _hits,
        flag=Severity.WARNING,
    )
    for attribute, (rule_id, english) in DT_ATTRIBUTES.items():
        table_rule(
            rule_id,
            english,
            f"Attributtet {attribute} bør ikke brukes",
            _hits,
            flag=Severity.WARNING,
        )


def _hits(doc: Doc) -> dict[str, list[str]]:
    return _scan(doc).hits


_register_table()


@rule(
    "UBL-DT-01",
    "Amounts shall be decimal up to two fraction digits",
    "Beløp skal ha høyst to desimaler",
)
def amount_decimals(doc: Doc) -> Iterator[str]:
    for node in _scan(doc).amounts:
        yield doc.location(node)


@rule(
    "UBL-DT-06",
    "Binary object elements shall contain the mime code attribute",
    "Binærobjekter skal ha attributtet mimeCode",
)
def binary_mime_code(doc: Doc) -> Iterator[str]:
    for node in _scan(doc).no_mime:
        yield doc.location(node)


@rule(
    "UBL-DT-07",
    "Binary object elements shall contain the file name attribute",
    "Binærobjekter skal ha attributtet filename",
)
def binary_filename(doc: Doc) -> Iterator[str]:
    for node in _scan(doc).no_filename:
        yield doc.location(node)


# --------------------------------------------------------------------------------------------
# UBL-SR: syntax restrictions (all fatal)
# --------------------------------------------------------------------------------------------

#: Root context, "count(path) <= 1": (rule id, path, English, bokmål).
AT_MOST_ONCE: tuple[tuple[str, str, str, str], ...] = (
    (
        "UBL-SR-01",
        "cac:ContractDocumentReference/cbc:ID",
        "Contract identifier shall occur maximum once.",
        "Kontraktsreferanse skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-02",
        "cac:ReceiptDocumentReference/cbc:ID",
        "Receive advice identifier shall occur maximum once",
        "Mottaksbekreftelsesreferanse skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-03",
        "cac:DespatchDocumentReference/cbc:ID",
        "Despatch advice identifier shall occur maximum once",
        "Pakkseddelreferanse skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-05",
        "cac:PaymentTerms/cbc:Note",
        "Payment terms shall occur maximum once",
        "Betalingsbetingelser skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-08",
        "cac:InvoicePeriod",
        "Invoice period shall occur maximum once",
        "Fakturaperiode skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-09",
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "Seller name shall occur maximum once",
        "Selgers navn skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-10",
        "cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name",
        "Seller trader name shall occur maximum once",
        "Selgers handelsnavn skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-11",
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
        "Seller legal registration identifier shall occur maximum once",
        "Selgers organisasjonsnummer skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-14",
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyLegalForm",
        "Seller additional legal information shall occur maximum once",
        "Selgers tilleggsopplysninger (juridisk) skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-15",
        "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "Buyer name shall occur maximum once",
        "Kjøpers navn skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-16",
        "cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID",
        "Buyer identifier shall occur maximum once",
        "Kjøpers identifikator skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-17",
        "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
        "Buyer legal registration identifier shall occur maximum once",
        "Kjøpers organisasjonsnummer skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-24",
        "cac:Delivery",
        "Deliver to information shall occur maximum once",
        "Leveringsinformasjon skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-39",
        "cac:ProjectReference/cbc:ID",
        "Project reference shall occur maximum once.",
        "Prosjektreferanse skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-40",
        "cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name",
        "Buyer trade name shall occur maximum once",
        "Kjøpers handelsnavn skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-45",
        "cac:PaymentMeans/cbc:PaymentDueDate",
        "Due Date shall occur maximum once",
        "Forfallsdato skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-46",
        "cac:PaymentMeans/cbc:PaymentMeansCode/@name",
        "Payment means text shall occur maximum once",
        "Tekst for betalingsmåte skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-49",
        "cac:InvoicePeriod/cbc:DescriptionCode",
        "Value tax point date shall occur maximum once",
        "Kode for MVA-tidspunkt skal forekomme høyst én gang",
    ),
)

#: "count(path) <= 1" in some other context: (rule id, context, path, English, bokmål).
#: Contexts are the official ones: a relative context matches that element anywhere.
IN_CONTEXT: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "UBL-SR-06",
        "//cac:BillingReference",
        "cac:InvoiceDocumentReference",
        "Preceding invoice reference shall occur maximum once",
        "Referanse til tidligere faktura skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-25",
        "//cac:Delivery",
        "cac:DeliveryParty/cac:PartyName/cbc:Name",
        "Deliver to party name shall occur maximum once",
        "Navn på leveringsmottaker skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-26",
        "//cac:PaymentMeans",
        "cbc:PaymentID",
        "Payment reference shall occur maximum once",
        "Betalingsreferanse (KID) skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-27",
        "//cac:PaymentMeans",
        "cbc:InstructionNote",
        "Payment means text shall occur maximum once",
        "Tekst for betalingsmåte skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-28",
        "//cac:PaymentMeans",
        "cac:PaymentMandate/cbc:ID",
        "Mandate reference identifier shall occur maximum once",
        "Mandatreferanse skal forekomme høyst én gang",
    ),
    # The official context is cac:TaxRepresentativeParty and the path starts with cac:Party,
    # which that element does not have: these two never fire, as the official ones.
    (
        "UBL-SR-22",
        "//cac:TaxRepresentativeParty",
        "cac:Party/cac:PartyName/cbc:Name",
        "Seller tax representative name shall occur maximum once, if the Seller has a tax"
        " representative",
        "Navn på selgers skatterepresentant skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-23",
        "//cac:TaxRepresentativeParty",
        "cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
        "Seller tax representative VAT identifier shall occur maximum once, if the Seller has a"
        " tax representative",
        "MVA-nummer for selgers skatterepresentant skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-32",
        "//cac:TaxSubtotal",
        "cac:TaxCategory/cbc:TaxExemptionReason",
        "VAT exemption reason text shall occur maximum once",
        "Fritaksgrunn (tekst) skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-33",
        "//cac:AdditionalDocumentReference",
        "cbc:DocumentDescription",
        "Supporting document description shall occur maximum once",
        "Beskrivelse av vedlegg skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-34",
        "LINE",
        "cbc:Note",
        "Invoice line note shall occur maximum once",
        "Merknad på fakturalinje skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-35",
        "LINE",
        "cac:OrderLineReference/cbc:LineID",
        "Referenced purchase order line identifier shall occur maximum once",
        "Referanse til ordrelinje skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-36",
        "LINE",
        "cac:InvoicePeriod",
        "Invoice line period shall occur maximum once",
        "Periode på fakturalinje skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-37",
        "LINE",
        "cac:Price/cac:AllowanceCharge/cbc:Amount",
        "Item price discount shall occur maximum once",
        "Prisrabatt skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-38",
        "LINE",
        "cac:Item/cac:ClassifiedTaxCategory/cbc:TaxExemptionReason",
        "Invoiced item VAT exemption reason text shall occur maximum once",
        "Fritaksgrunn (tekst) for varen skal forekomme høyst én gang",
    ),
    (
        "UBL-SR-50",
        "LINE",
        "cac:Item/cbc:Description",
        "Item description shall occur maximum once",
        "Varebeskrivelse skal forekomme høyst én gang",
    ),
)


def _contexts(doc: Doc, context: str) -> list[Element]:
    if context == "LINE":
        return doc.lines
    return _elements(doc, _clark(context.removeprefix("//")))


def _at_most_once(path: str) -> Callable[[Doc], Iterator[str]]:
    def check(doc: Doc) -> Iterator[str]:
        if len(doc.xpath(path)) > 1:
            yield doc.location()

    return check


def _at_most_once_in(context: str, path: str) -> Callable[[Doc], Iterator[str]]:
    def check(doc: Doc) -> Iterator[str]:
        for node in _contexts(doc, context):
            if len(doc.xpath(path, node)) > 1:
                yield doc.location(node)

    return check


for _rule_id, _path, _english, _norsk in AT_MOST_ONCE:
    rule(_rule_id, _english, _norsk)(_at_most_once(_path))
for _rule_id, _context, _path, _english, _norsk in IN_CONTEXT:
    rule(_rule_id, _english, _norsk)(_at_most_once_in(_context, _path))


def _scheme_is_vat(doc: Doc, party_tax_scheme: Element) -> list[bool]:
    """upper-case(cbc:ID) = 'VAT' for each cac:TaxScheme (an absent ID is '')."""
    answers = []
    for scheme in doc.nodes("cac:TaxScheme", party_tax_scheme):
        ids = doc.nodes("cbc:ID", scheme)
        answers.append((_string(ids[0]) if ids else "").upper() == "VAT")
    return answers


def _tax_company_ids(doc: Doc, party: str, vat: bool) -> int:
    count = 0
    for scheme in doc.nodes(f"{party}/cac:Party/cac:PartyTaxScheme"):
        if vat in _scheme_is_vat(doc, scheme):
            count += len(doc.nodes("cbc:CompanyID", scheme))
    return count


@rule(
    "UBL-SR-04",
    "Invoice object identifier shall occur maximum once",
    "Fakturert objekt (kode 130) skal forekomme høyst én gang",
)
def one_invoiced_object(doc: Doc) -> Iterator[str]:
    count = sum(
        len(doc.nodes("cbc:ID", reference))
        for reference in doc.nodes("cac:AdditionalDocumentReference")
        if _type_code_is_130(reference)
    )
    if count > 1:
        yield doc.location()


@rule(
    "UBL-SR-12",
    "Seller VAT identifier shall occur maximum once",
    "Selgers MVA-nummer skal forekomme høyst én gang",
)
def one_seller_vat_id(doc: Doc) -> Iterator[str]:
    if _tax_company_ids(doc, "cac:AccountingSupplierParty", True) > 1:
        yield doc.location()


@rule(
    "UBL-SR-13",
    "Seller tax registration shall occur maximum once",
    "Selgers skatteregistrering skal forekomme høyst én gang",
)
def one_seller_tax_registration(doc: Doc) -> Iterator[str]:
    if _tax_company_ids(doc, "cac:AccountingSupplierParty", False) > 1:
        yield doc.location()


@rule(
    "UBL-SR-18",
    "Buyer VAT identifier shall occur maximum once",
    "Kjøpers MVA-nummer skal forekomme høyst én gang",
)
def one_buyer_vat_id(doc: Doc) -> Iterator[str]:
    if _tax_company_ids(doc, "cac:AccountingCustomerParty", True) > 1:
        yield doc.location()


def _payee_checks(count_path: str, sepa: bool = False) -> Callable[[Doc], Iterator[str]]:
    """SR-19..21: at most once, and (general comparison) the payee name differs from the
    seller's name: no payee name or no seller name fails it, as in the official test."""

    def check(doc: Doc) -> Iterator[str]:
        for payee in _elements(doc, f"{{{CAC}}}PayeeParty"):
            found = doc.nodes(count_path, payee)
            if sepa:
                found = [n for n in found if (n.get("schemeID") or "").upper() != "SEPA"]
            names = [_string(n) for n in doc.nodes("cac:PartyName/cbc:Name", payee)]
            parent = payee.getparent()
            sellers = (
                [
                    _string(n)
                    for n in doc.nodes(
                        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity"
                        "/cbc:RegistrationName",
                        parent,
                    )
                ]
                if parent is not None
                else []
            )
            differs = any(name != seller for name in names for seller in sellers)
            if len(found) > 1 or not differs:
                yield doc.location(payee)

    return check


rule(
    "UBL-SR-19",
    "Payee name shall occur maximum once, if the Payee is different from the Seller",
    "Betalingsmottakers navn skal forekomme høyst én gang, når mottakeren ikke er selger",
)(_payee_checks("cac:PartyName/cbc:Name"))
rule(
    "UBL-SR-20",
    "Payee identifier shall occur maximum once, if the Payee is different from the Seller",
    "Betalingsmottakers identifikator skal forekomme høyst én gang, når mottakeren ikke er selger",
)(_payee_checks("cac:PartyIdentification/cbc:ID", sepa=True))
rule(
    "UBL-SR-21",
    "Payee legal registration identifier shall occur maximum once, if the Payee is different"
    " from the Seller",
    "Betalingsmottakers organisasjonsnummer skal forekomme høyst én gang, når mottakeren ikke"
    " er selger",
)(_payee_checks("cac:PartyLegalEntity/cbc:CompanyID"))


@rule(
    "UBL-SR-07",
    "If there is a preceding invoice reference, the preceding invoice number shall be present",
    "Når det vises til en tidligere faktura, skal fakturanummeret oppgis",
)
def preceding_invoice_number(doc: Doc) -> Iterator[str]:
    for reference in _elements(doc, f"{{{CAC}}}BillingReference"):
        if not doc.exists("cac:InvoiceDocumentReference/cbc:ID", reference):
            yield doc.location(reference)


@rule(
    "UBL-SR-29",
    "Bank creditor reference shall occur maximum once",
    "Kreditorreferanse (SEPA) skal forekomme høyst én gang",
)
def one_creditor_reference(doc: Doc) -> Iterator[str]:
    ids = [
        identifier
        for party_identification in _elements(doc, f"{{{CAC}}}PartyIdentification")
        for identifier in party_identification.iterchildren(f"{{{CBC}}}ID")
    ]
    if sum((n.get("schemeID") or "").upper() == "SEPA" for n in ids) > 1:
        yield doc.location()


def _allowance_reason_once(charge: bool) -> Callable[[Doc], Iterator[str]]:
    wanted = "true" if charge else "false"

    def check(doc: Doc) -> Iterator[str]:
        for node in _elements(doc, _ALLOWANCE_CHARGE):
            indicators = [_string(i).strip() for i in doc.nodes("cbc:ChargeIndicator", node)]
            if wanted not in {_boolean(i) for i in indicators}:
                continue
            if len(doc.nodes("cbc:AllowanceChargeReason", node)) > 1:
                yield doc.location(node)

    return check


def _boolean(lexical: str) -> str:
    return {"1": "true", "0": "false"}.get(lexical, lexical)


rule(
    "UBL-SR-30",
    "Document level allowance reason shall occur maximum once",
    "Årsak til rabatt skal forekomme høyst én gang",
)(_allowance_reason_once(charge=False))
rule(
    "UBL-SR-31",
    "Document level charge reason shall occur maximum once",
    "Årsak til gebyr skal forekomme høyst én gang",
)(_allowance_reason_once(charge=True))


@rule(
    "UBL-SR-42",
    "Party tax scheme shall occur maximum twice in accounting supplier party",
    "PartyTaxScheme skal forekomme høyst to ganger hos selger",
)
def supplier_tax_schemes(doc: Doc) -> Iterator[str]:
    for supplier in _elements(doc, f"{{{CAC}}}AccountingSupplierParty"):
        for party in supplier.iterchildren(f"{{{CAC}}}Party"):
            if len(doc.nodes("cac:PartyTaxScheme", party)) > 2:
                yield doc.location(party)


@rule(
    "UBL-SR-43",
    "Scheme identifier shall only be used for invoiced object (document type code with value 130"
    " or 50)",
    "Identifikatorskjema skal bare brukes for fakturert objekt (dokumenttypekode 130 eller 50)",
)
def scheme_only_for_invoiced_object(doc: Doc) -> Iterator[str]:
    for reference in _elements(doc, f"{{{CAC}}}AdditionalDocumentReference"):
        codes = [_string(c) for c in doc.nodes("cbc:DocumentTypeCode", reference)]
        if "130" in codes or (doc.is_credit_note and "50" in codes):
            continue
        if codes or doc.exists("cbc:ID/@schemeID", reference):
            yield doc.location(reference)


def _one_distinct(tag: str) -> Callable[[Doc], Iterator[str]]:
    """count(//tag[not(preceding::tag/. = .)]) <= 1: one distinct value in the document."""
    clark = _clark(f"cbc:{tag}")

    def check(doc: Doc) -> Iterator[str]:
        if len({_string(node) for node in _elements(doc, clark)}) > 1:
            yield doc.location()

    return check


rule(
    "UBL-SR-44",
    "An Invoice may only have one unique PaymentID, but the PaymentID may be used for multiple"
    " PaymentMeans",
    "En faktura kan bare ha én betalingsreferanse (KID), men den kan brukes i flere betalingsmåter",
)(_one_distinct("PaymentID"))
rule(
    "UBL-SR-47",
    "When there are more than one payment means code, they shall be equal",
    "Når det er flere betalingsmåtekoder, skal de være like",
)(_one_distinct("PaymentMeansCode"))


@rule(
    "UBL-SR-48",
    "Invoice lines shall have one and only one classified tax category.",
    "Hver fakturalinje skal ha nøyaktig én avgiftskategori (ClassifiedTaxCategory)",
)
def one_classified_tax_category(doc: Doc) -> Iterator[str]:
    for line in doc.lines:
        if len(doc.nodes("cac:Item/cac:ClassifiedTaxCategory", line)) != 1:
            yield doc.location(line)
