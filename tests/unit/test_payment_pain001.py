"""pain.001.001.03/.09 builder: fields, KID vs free text, BBAN vs IBAN(+BIC), control sums, blocks per
debtor account and date, and validity against the official XSDs (always checked, never skipped)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from services.payment import schemas
from services.payment.bank import FileCheck
from services.payment.pain001 import (
    NAMESPACES,
    NS,
    NS_03,
    NS_09,
    CreditTransfer,
    Debtor,
    InvalidAccountError,
    InvalidKidError,
    PaymentFileError,
    build,
    check_kid,
    check_structure,
    parse_account,
    payment_blocks,
)
from shared.checkdigits import kid_mod11_check_digit

SHARED_XSD = Path(__file__).parents[2] / ".." / "shared" / "data" / "iso20022" / "xsd"
N = {"p": NS}

DEBTOR = Debtor(name="Demo Bedrift AS", orgnr="910747711", account="15030100007", bic="DNBANOKK")
DAY1, DAY2 = date(2026, 3, 2), date(2026, 3, 9)


def transfer(n: int, **changes) -> CreditTransfer:
    values = {
        "end_to_end_id": f"{n:032x}",
        "amount": Decimal("1250.00"),
        "currency": "NOK",
        "execution_date": DAY1,
        "creditor_name": "Kontorrekvisita Nord AS",
        "creditor_account": "8601.11.17947",
        "kid": "000000059",
        "invoice_number": f"INV-{n}",
    }
    return CreditTransfer(**(values | changes))


def document(*transfers: CreditTransfer, debtor: Debtor = DEBTOR) -> etree._Element:
    created = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    return etree.fromstring(build("f" * 32, created, debtor, list(transfers)))


def texts(node: etree._Element, path: str) -> list[str]:
    return [e.text for e in node.findall(path, N)]


def official_schema() -> FileCheck:
    return FileCheck()


def test_group_header_counts_sums_and_identifies_the_initiating_party():
    doc = document(
        transfer(1), transfer(2, amount=Decimal("99.5")), transfer(3, execution_date=DAY2)
    )
    header = doc.find("p:CstmrCdtTrfInitn/p:GrpHdr", N)
    assert texts(header, "p:MsgId") == ["f" * 32]
    assert texts(header, "p:CreDtTm") == ["2026-03-01T08:30:00+00:00"]
    assert texts(header, "p:NbOfTxs") == ["3"]
    assert texts(header, "p:CtrlSum") == ["2599.50"]
    assert texts(header, "p:InitgPty/p:Nm") == ["Demo Bedrift AS"]
    assert texts(header, "p:InitgPty/p:Id/p:OrgId/p:Othr/p:Id") == ["910747711"]
    assert texts(header, "p:InitgPty/p:Id/p:OrgId/p:Othr/p:SchmeNm/p:Cd") == ["CUST"]


def test_one_payment_information_per_execution_date_with_its_own_totals():
    doc = document(transfer(1, execution_date=DAY2), transfer(2), transfer(3, amount=Decimal("10")))
    infos = doc.findall("p:CstmrCdtTrfInitn/p:PmtInf", N)
    assert [texts(i, "p:ReqdExctnDt")[0] for i in infos] == ["2026-03-02", "2026-03-09"]
    assert [texts(i, "p:NbOfTxs")[0] for i in infos] == ["2", "1"]
    assert [texts(i, "p:CtrlSum")[0] for i in infos] == ["1260.00", "1250.00"]
    first = infos[0]
    assert texts(first, "p:PmtMtd") == ["TRF"] and texts(first, "p:BtchBookg") == ["true"]
    assert texts(first, "p:PmtTpInf/p:SvcLvl/p:Cd") == ["NURG"]
    assert texts(first, "p:DbtrAcct/p:Id/p:Othr/p:Id") == ["15030100007"]
    assert texts(first, "p:DbtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd") == ["BBAN"]
    assert texts(first, "p:DbtrAgt/p:FinInstnId/p:BIC") == ["DNBANOKK"]
    assert len(set(texts(doc, ".//p:PmtInfId"))) == 2


def test_transaction_carries_our_payment_id_amount_and_creditor():
    tx = document(transfer(7, amount=Decimal("1234.5"))).find(".//p:CdtTrfTxInf", N)
    assert texts(tx, "p:PmtId/p:EndToEndId") == [f"{7:032x}"]
    assert texts(tx, "p:PmtId/p:InstrId") == [f"{7:032x}"]
    amount = tx.find("p:Amt/p:InstdAmt", N)
    assert (amount.text, amount.get("Ccy")) == ("1234.50", "NOK")
    assert texts(tx, "p:Cdtr/p:Nm") == ["Kontorrekvisita Nord AS"]


def test_kid_goes_as_structured_scor_reference_and_alone():
    tx = document(transfer(1)).find(".//p:CdtTrfTxInf", N)
    assert texts(tx, "p:RmtInf/p:Strd/p:CdtrRefInf/p:Tp/p:CdOrPrtry/p:Cd") == ["SCOR"]
    assert texts(tx, "p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref") == ["000000059"]
    assert tx.find("p:RmtInf/p:Ustrd", N) is None


def test_without_kid_the_invoice_number_goes_as_free_text_and_alone():
    tx = document(transfer(1, kid=None)).find(".//p:CdtTrfTxInf", N)
    assert texts(tx, "p:RmtInf/p:Ustrd") == ["INV-1"]
    assert tx.find("p:RmtInf/p:Strd", N) is None


def test_norwegian_account_goes_as_bban_and_iban_as_iban():
    bban = document(transfer(1)).find(".//p:CdtrAcct/p:Id", N)
    assert texts(bban, "p:Othr/p:Id") == ["86011117947"]
    assert texts(bban, "p:Othr/p:SchmeNm/p:Cd") == ["BBAN"]
    iban = document(transfer(1, creditor_account="NO93 8601 1117 947")).find(
        ".//p:CdtrAcct/p:Id", N
    )
    assert texts(iban, "p:IBAN") == ["NO9386011117947"]
    assert iban.find("p:Othr", N) is None


def test_accounts_are_checked():
    assert parse_account("8601 11 17947").scheme == "BBAN"
    assert parse_account("de89 3704 0044 0532 0130 00").number == "DE89370400440532013000"
    with pytest.raises(InvalidAccountError, match="MOD11"):
        parse_account("86011117948")
    with pytest.raises(InvalidAccountError, match="11-digit"):
        parse_account("0000.4090403")
    with pytest.raises(InvalidAccountError, match="IBAN"):
        parse_account("NO93 8601 1117 948")
    with pytest.raises(InvalidAccountError):
        document(transfer(1, creditor_account="12345678901"))


def test_kid_check_digits_mod10_and_mod11():
    assert check_kid("12345678903") == "12345678903"  # MOD10 (Luhn)
    assert kid_mod11_check_digit("1234567") == "4"  # 7*2+6*3+5*4+4*5+3*6+2*7+1*2 = 106; 11-7
    assert check_kid("12345674") == "12345674"  # MOD11
    dash = next(b for b in (f"{n:06d}" for n in range(1000)) if kid_mod11_check_digit(b) == "-")
    assert check_kid(dash + "-") == dash + "-"  # MOD11 remainder 10 is written '-'
    for bad in ("12345678904", "1", "12ab", "1" * 26, "12345-7"):
        with pytest.raises(InvalidKidError):
            check_kid(bad)
    with pytest.raises(InvalidKidError):
        document(transfer(1, kid="000000058"))


def test_amounts_are_positive_with_two_decimals_and_ids_fit():
    for amount in (Decimal("0"), Decimal("-5"), Decimal("1.005")):
        with pytest.raises(PaymentFileError, match="amount"):
            document(transfer(1, amount=amount))
    with pytest.raises(PaymentFileError, match="unique"):
        document(transfer(1), transfer(1))
    with pytest.raises(PaymentFileError, match="EndToEndId"):
        document(transfer(1, end_to_end_id="x" * 36))
    with pytest.raises(PaymentFileError, match="at least one"):
        document()


def test_debtor_is_checked():
    with pytest.raises(PaymentFileError, match="organisation number"):
        document(transfer(1), debtor=Debtor("X AS", "910747712", "15030100007", "DNBANOKK"))
    with pytest.raises(PaymentFileError, match="BIC"):
        document(transfer(1), debtor=Debtor("X AS", "910747711", "15030100007", "DNB"))
    with pytest.raises(PaymentFileError, match="BBAN"):
        document(transfer(1), debtor=Debtor("X AS", "910747711", "NO9386011117947", "DNBANOKK"))


def test_structural_check_catches_wrong_sums_and_kid_with_free_text():
    good = build("m1", datetime.now(UTC), DEBTOR, [transfer(1), transfer(2, kid=None)])
    check_structure(good)
    with pytest.raises(PaymentFileError, match="CtrlSum"):
        check_structure(
            good.replace(b"<CtrlSum>2500.00</CtrlSum>", b"<CtrlSum>2600.00</CtrlSum>", 1)
        )
    both = good.replace(b"<Ustrd>INV-2</Ustrd>", b"<Ustrd>INV-2</Ustrd><Strd/>")
    with pytest.raises(PaymentFileError, match="exactly one"):
        check_structure(both)


def test_generated_files_are_valid_against_the_official_xsd():
    check = official_schema()
    created = datetime.now(UTC)
    transfers = [
        transfer(1),
        transfer(2, kid=None, creditor_account="NO9386011117947", execution_date=DAY2),
        transfer(3, kid="12345674", creditor_name="Strøm og Lys AS & Co <Nord>"),
    ]
    check(build("f" * 32, created, DEBTOR, transfers))
    bank_scheme = Debtor("Demo Bedrift AS", "910747711", "15030100007", "DNBANOKKXXX", "BANK")
    check(build("f" * 32, created, bank_scheme, transfers[:1]))


def test_the_official_xsd_rejects_what_it_should():
    check = official_schema()
    good = build("f" * 32, datetime.now(UTC), DEBTOR, [transfer(1)])
    with pytest.raises(PaymentFileError, match="XSD"):
        check(good.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>"))


# --- pain.001.001.09, creditor BICs, several debtor accounts, and the schemas themselves --------

SECOND_ACCOUNT = "86011117947"
MIXED = (
    transfer(1),  # BBAN + KID, first account, first day
    transfer(
        2,
        kid=None,
        creditor_account="DE89 3704 0044 0532 0130 00",
        creditor_bic="COBADEFFXXX",
        amount=Decimal("99.95"),
        currency="EUR",
        execution_date=DAY2,
    ),  # IBAN + BIC + free text, first account, second day
    transfer(3, debtor_account=SECOND_ACCOUNT, kid="12345674"),  # second account, first day
    transfer(4, debtor_account=SECOND_ACCOUNT, kid=None, execution_date=DAY2),
)


def mixed(version: str) -> bytes:
    return build("m" * 35, datetime(2026, 3, 1, 8, tzinfo=UTC), DEBTOR, MIXED, version=version)


@pytest.mark.parametrize("version", ["03", "09"])
def test_both_versions_with_two_accounts_two_dates_bban_kid_and_iban_bic_text_are_xsd_valid(
    version,
):
    content = mixed(version)
    FileCheck()(content)
    check_structure(content)
    doc = etree.fromstring(content)
    n = {"p": NAMESPACES[version]}
    assert doc.tag == f"{{{NAMESPACES[version]}}}Document"
    header = doc.find("p:CstmrCdtTrfInitn/p:GrpHdr", n)
    assert header.findtext("p:NbOfTxs", namespaces=n) == "4"
    assert header.findtext("p:CtrlSum", namespaces=n) == "3849.95"
    assert header.findtext("p:InitgPty/p:Id/p:OrgId/p:Othr/p:Id", namespaces=n) == "910747711"
    blocks = doc.findall("p:CstmrCdtTrfInitn/p:PmtInf", n)
    date_path = "p:ReqdExctnDt" if version == "03" else "p:ReqdExctnDt/p:Dt"
    assert [
        (
            b.findtext("p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces=n),
            b.findtext(date_path, namespaces=n),
            b.findtext("p:NbOfTxs", namespaces=n),
            b.findtext("p:CtrlSum", namespaces=n),
        )
        for b in blocks
    ] == [
        ("15030100007", "2026-03-02", "1", "1250.00"),
        ("15030100007", "2026-03-09", "1", "99.95"),
        ("86011117947", "2026-03-02", "1", "1250.00"),
        ("86011117947", "2026-03-09", "1", "1250.00"),
    ]
    bic = "p:BIC" if version == "03" else "p:BICFI"
    assert {b.findtext(f"p:DbtrAgt/p:FinInstnId/{bic}", namespaces=n) for b in blocks} == {
        "DNBANOKK"
    }
    for tx in doc.iterfind(".//p:CdtTrfTxInf", n):
        has_kid = tx.find("p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref", n) is not None
        has_text = tx.find("p:RmtInf/p:Ustrd", n) is not None
        assert has_kid != has_text
    foreign = next(
        tx
        for tx in doc.iterfind(".//p:CdtTrfTxInf", n)
        if tx.findtext("p:PmtId/p:EndToEndId", namespaces=n) == f"{2:032x}"
    )
    assert foreign.findtext(f"p:CdtrAgt/p:FinInstnId/{bic}", namespaces=n) == "COBADEFFXXX"
    assert foreign.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=n) == "DE89370400440532013000"
    assert foreign.findtext("p:RmtInf/p:Ustrd", namespaces=n) == "INV-2"
    amount = foreign.find("p:Amt/p:InstdAmt", n)
    assert (amount.text, amount.get("Ccy")) == ("99.95", "EUR")


def test_payment_blocks_tell_the_pmtinfids_the_file_carries():
    blocks = payment_blocks("m" * 35, DEBTOR, MIXED)
    doc = etree.fromstring(mixed("09"))
    n = {"p": NS_09}
    assert [b.payment_information_id for b in blocks] == [
        e.text for e in doc.iterfind(".//p:PmtInfId", n)
    ]
    assert [[t.end_to_end_id for t in b.transfers] for b in blocks] == [
        [f"{1:032x}"],
        [f"{2:032x}"],
        [f"{3:032x}"],
        [f"{4:032x}"],
    ]


def test_version_03_stays_the_default_and_other_versions_are_refused():
    assert etree.fromstring(build("m1", datetime.now(UTC), DEBTOR, [transfer(1)])).tag == (
        f"{{{NS_03}}}Document"
    )
    with pytest.raises(PaymentFileError, match="version"):
        build("m1", datetime.now(UTC), DEBTOR, [transfer(1)], version="10")  # type: ignore[arg-type]


def test_creditor_bic_is_checked_and_required_for_a_foreign_iban():
    with pytest.raises(PaymentFileError, match="needs the creditor's BIC"):
        document(transfer(1, kid=None, creditor_account="DE89370400440532013000"))
    with pytest.raises(PaymentFileError, match="BIC"):
        document(transfer(1, creditor_account="DE89370400440532013000", creditor_bic="XX"))
    # a Norwegian IBAN goes without a BIC, a BBAN may carry one
    document(transfer(1, creditor_account="NO9386011117947"))
    tx = document(transfer(1, creditor_bic="DNBANOKKXXX")).find(".//p:CdtTrfTxInf", N)
    assert texts(tx, "p:CdtrAgt/p:FinInstnId/p:BIC") == ["DNBANOKKXXX"]


def test_a_debtor_account_per_payment_must_be_a_valid_bban():
    with pytest.raises(PaymentFileError, match="BBAN"):
        document(transfer(1, debtor_account="NO9386011117947"))
    with pytest.raises(InvalidAccountError, match="MOD11"):
        document(transfer(1, debtor_account="86011117948"))


@pytest.mark.parametrize("version", ["03", "09"])
def test_the_xsd_check_names_version_and_error(version):
    good = mixed(version)
    with pytest.raises(PaymentFileError, match=rf"pain\.001\.001\.{version} XSD: .*PmtMtd"):
        FileCheck()(good.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>", 1))
    with pytest.raises(PaymentFileError, match="CtrlSum"):
        FileCheck()(good.replace(b"<CtrlSum>3849.95</CtrlSum>", b"<CtrlSum>3849.96</CtrlSum>"))


def test_the_file_check_refuses_other_documents():
    other = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.02"/>'
    with pytest.raises(PaymentFileError, match="pain.001.001.03/.09"):
        FileCheck()(other)


@pytest.mark.parametrize(
    ("load", "namespace"),
    [
        (schemas.pain001_03, schemas.PAIN001_03),
        (schemas.pain001_09, schemas.PAIN001_09),
        (schemas.pain002_03, schemas.PAIN002_03),
        (schemas.camt054_02, schemas.CAMT054_02),
        (schemas.camt054_08, schemas.CAMT054_08),
    ],
)
def test_each_packaged_schema_has_its_target_namespace(load, namespace):
    loaded = load()
    assert loaded.target_namespace == namespace
    assert load() is loaded  # cached
    assert "Document" in [e.local_name for e in loaded.elements.values()]
    assert schemas.xsd_path(namespace).name == f"{schemas.message_name(namespace)}.xsd"


@pytest.mark.parametrize("namespace", list(schemas.LOCATIONS))
def test_packaged_schemas_match_the_shared_iso_copies(namespace):
    shared = SHARED_XSD / f"{schemas.message_name(namespace)}.xsd"
    if not shared.exists():
        pytest.skip(f"{shared} not present: nothing to compare the packaged schema with")
    reference = xmlschema.XMLSchema(str(shared))
    packaged = schemas.schema(namespace)
    assert packaged.target_namespace == reference.target_namespace
    assert len(packaged.types) == len(reference.types)
    assert len(list(packaged.iter_components())) == len(list(reference.iter_components()))


def test_a_missing_schema_package_is_an_installation_error(monkeypatch):
    monkeypatch.setitem(schemas.LOCATIONS, "urn:test", ("no_such_package_fp", "x.xsd"))
    with pytest.raises(schemas.SchemaUnavailableError, match="no_such_package_fp"):
        schemas.xsd_path("urn:test")
