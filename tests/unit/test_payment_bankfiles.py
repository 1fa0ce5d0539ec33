"""Reading bank files: pain.002 status reports at group, block and transaction level, camt.054
debit notifications (.02 and .08), reason texts, and hostile or wrong files refused clearly."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.payment import schemas
from services.payment.bankfiles import (
    REASONS,
    BankFileError,
    describe_reason,
    read_bank_file,
    reason_texts,
)
from tests.unit.bankfile_samples import (
    ORIGINAL,
    block_status,
    camt054,
    camt_entry,
    camt_tx,
    pain002,
    tx_status,
)

E1, E2, E3 = (f"{n:032x}" for n in (1, 2, 3))
BLOCK = ORIGINAL[:30] + "-1"
SHARED_DATA = Path(__file__).parents[2] / ".." / "shared" / "data"


def records(content: bytes):
    return read_bank_file(content, "report.xml").records


@pytest.mark.parametrize(
    "content",
    [
        pain002(group="ACCP"),
        pain002(
            block_status(BLOCK, "PART", None, tx_status(E1, "ACSC"), tx_status(E2, "RJCT", "AM04"))
        ),
        camt054("02", camt_entry("02", camt_tx("02", end_to_end_id=E1, kid="000000059"))),
        camt054("08", camt_entry("08", camt_tx("08", end_to_end_id=None, kid="000000059"))),
    ],
)
def test_the_samples_are_valid_against_the_official_xsd(content):
    root_namespace = content.split(b'xmlns="')[1].split(b'"')[0].decode()
    from lxml import etree

    assert schemas.first_error(root_namespace, etree.fromstring(content)) is None


def test_pain002_accepted_for_the_whole_file_is_one_group_record():
    (record,) = records(pain002(group="ACCP"))
    assert (record.kind, record.level, record.status) == ("status", "group", "accepted")
    assert (record.original_message_id, record.source_message_id) == (ORIGINAL, "STS-0001")
    assert record.end_to_end_id is None and record.reason_code is None


def test_pain002_whole_file_rejection_with_reason():
    (record,) = records(pain002(group="RJCT", code="FF01", text="Ugyldig fil"))
    assert (record.level, record.status, record.reason_code) == ("group", "rejected", "FF01")
    assert record.reason_text == "FF01 Ugyldig filformat / Invalid file format: Ugyldig fil"


def test_pain002_group_rejection_listing_transactions_rejects_them_too():
    content = pain002(block_status(BLOCK, None, None, tx_status(E1)), group="RJCT", code="DU01")
    group, tx = records(content)
    assert (group.level, group.status) == ("group", "rejected")
    assert (tx.level, tx.status, tx.reason_code, tx.end_to_end_id) == (
        "transaction",
        "rejected",
        "DU01",
        E1,
    )


def test_pain002_block_rejection_and_block_acceptance():
    rejected, accepted = records(
        pain002(
            block_status(BLOCK, "RJCT", "AC01"),
            block_status(ORIGINAL[:30] + "-2", "ACCP"),
            group="PART",
        )
    )
    assert (rejected.level, rejected.status, rejected.reason_code) == (
        "payment_information",
        "rejected",
        "AC01",
    )
    assert rejected.original_payment_information_id == BLOCK
    assert (accepted.level, accepted.status) == ("payment_information", "accepted")


def test_pain002_transaction_statuses_with_their_own_reasons_and_references():
    settled, failed, pending = records(
        pain002(
            block_status(
                BLOCK,
                "PART",
                None,
                tx_status(E1, "ACSC"),
                tx_status(E2, "RJCT", "AM04", text="Mangler dekning", amount="99.50", kid=None),
                tx_status(E3, "PDNG"),
            ),
            group="PART",
        )
    )
    assert (settled.status, settled.end_to_end_id, settled.kid) == ("settled", E1, "000000059")
    assert (settled.amount, settled.currency) == (Decimal("1250.00"), "NOK")
    assert settled.bank_reference == f"BNK-{E1[:8]}"
    assert (failed.status, failed.reason_code, failed.amount, failed.kid) == (
        "rejected",
        "AM04",
        Decimal("99.50"),
        None,
    )
    assert failed.reason_text == (
        "AM04 Ikke dekning på kontoen / Insufficient funds: Mangler dekning"
    )
    assert pending.status == "pending"
    assert all(r.original_payment_information_id == BLOCK for r in (settled, failed, pending))


def test_pain002_transaction_without_status_takes_its_blocks():
    (block, tx) = records(pain002(block_status(BLOCK, "RJCT", "AC04", tx_status(E1))))
    assert (tx.status, tx.reason_code, tx.end_to_end_id) == ("rejected", "AC04", E1)
    assert block.level == "payment_information"


@pytest.mark.parametrize("version", ["02", "08"])
def test_camt054_booked_debit_with_end_to_end_id_is_settled(version):
    content = camt054(
        version,
        camt_entry(version, camt_tx(version, end_to_end_id=E1, kid="000000059", reference="TX-9")),
    )
    result = read_bank_file(content, "debit.xml")
    assert result.message_type == f"camt.054.001.{version}"
    (record,) = result.records
    assert (record.kind, record.level, record.status) == ("debit", "entry", "settled")
    assert (record.end_to_end_id, record.kid) == (E1, "000000059")
    assert (record.amount, record.currency) == (Decimal("1250.00"), "NOK")
    assert (record.booking_date, record.bank_reference) == (date(2026, 3, 2), "TX-9")
    assert record.source_message_id == "DBT-0001"


@pytest.mark.parametrize("version", ["02", "08"])
def test_camt054_settlement_with_only_a_kid(version):
    content = camt054(
        version, camt_entry(version, camt_tx(version, end_to_end_id=None, kid="12345674"))
    )
    (record,) = records(content)
    assert (record.status, record.end_to_end_id, record.kid) == ("settled", None, "12345674")
    assert record.bank_reference == "NTRY-1"


def test_camt054_not_provided_end_to_end_id_counts_as_none():
    content = camt054(
        "02", camt_entry("02", camt_tx("02", end_to_end_id="NOTPROVIDED", kid="12345674"))
    )
    assert records(content)[0].end_to_end_id is None


@pytest.mark.parametrize("version", ["02", "08"])
def test_camt054_returned_payment_is_rejected_with_the_return_reason(version):
    content = camt054(
        version,
        camt_entry(
            version,
            camt_tx(version, end_to_end_id=E1, kid=None, returned="AC04"),
            direction="CRDT",
        ),
    )
    (record,) = records(content)
    assert (record.status, record.reason_code) == ("rejected", "AC04")
    assert "Closed account number" in record.reason_text and "Konto avsluttet" in record.reason_text


def test_camt054_batch_entry_gives_one_record_per_transaction_and_skips_plain_credits():
    content = camt054(
        "02",
        camt_entry(
            "02",
            camt_tx("02", end_to_end_id=E1, kid=None, amount="100.00"),
            camt_tx("02", end_to_end_id=E2, kid=None, amount="200.00"),
            amount="300.00",
        ),
        camt_entry(
            "02", camt_tx("02", end_to_end_id=None, kid=None), direction="CRDT", reference="IN-1"
        ),
        camt_entry("02", amount="75.00", status="PDNG", reference="P-1"),
        camt_entry(
            "02", camt_tx("02", end_to_end_id=E3, kid=None), reversal=True, reference="RV-1"
        ),
    )
    first, second, pending, reversal = records(content)
    assert [(first.end_to_end_id, first.amount), (second.end_to_end_id, second.amount)] == [
        (E1, Decimal("100.00")),
        (E2, Decimal("200.00")),
    ]
    assert first.key != second.key
    assert (pending.status, pending.amount, pending.end_to_end_id) == (
        "pending",
        Decimal("75.00"),
        None,
    )
    assert (reversal.status, reversal.end_to_end_id) == ("rejected", E3)


def test_idempotency_keys_are_stable_across_reads_and_differ_between_messages():
    content = camt054("02", camt_entry("02", camt_tx("02", end_to_end_id=E1, kid=None)))
    assert records(content)[0].key == records(content)[0].key
    other = camt054(
        "02", camt_entry("02", camt_tx("02", end_to_end_id=E1, kid=None)), message_id="DBT-2"
    )
    assert records(other)[0].key != records(content)[0].key


def test_reason_codes_have_norwegian_and_english_texts():
    for code in ("AC01", "AC04", "AM04", "MS03"):
        norwegian, english = reason_texts(code)
        assert norwegian and english and norwegian != english
    assert REASONS["AM04"] == ("Ikke dekning på kontoen", "Insufficient funds")
    assert reason_texts("ZZ99") is None
    assert describe_reason("ZZ99", "bank words") == "ZZ99 bank words"
    assert describe_reason(None, None) is None


# --- refused files ------------------------------------------------------------------------------


def test_a_file_that_is_not_what_it_claims_names_file_and_first_xsd_error():
    bad = pain002(group="ACCP").replace(b"<GrpSts>ACCP</GrpSts>", b"<GrpSts>GOOD</GrpSts>")
    with pytest.raises(
        BankFileError, match=r"status-0042\.xml: not a valid pain\.002\.001\.03 document: .*GrpSts"
    ):
        read_bank_file(bad, "status-0042.xml")
    missing = camt054("08", camt_entry("08")).replace(b"<CdtDbtInd>DBIT</CdtDbtInd>", b"")
    with pytest.raises(BankFileError, match=r"camt\.054\.001\.08"):
        read_bank_file(missing, "debit.xml")


def test_other_messages_are_refused():
    with pytest.raises(BankFileError, match=r"in\.xml: not a pain\.002\.001\.03 or camt\.054"):
        read_bank_file(
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>', "in.xml"
        )
    with pytest.raises(BankFileError, match="not XML"):
        read_bank_file(b"%PDF-1.7", "in.pdf")
    with pytest.raises(BankFileError, match="well-formed"):
        read_bank_file(b"<Document><unclosed></Document>", "broken.xml")


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr>
<MsgId>&xxe;</MsgId></GrpHdr></CstmrPmtStsRpt></Document>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">&lol2;</Document>"""


@pytest.mark.parametrize("hostile", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_hostile_xml_is_refused(hostile):
    with pytest.raises(BankFileError, match="hostile.xml: .*DOCTYPE"):
        read_bank_file(hostile, "hostile.xml")


def test_oversized_files_are_refused_before_parsing():
    big = pain002(group="ACCP") + b" " * 2048
    with pytest.raises(BankFileError, match="big.xml: document is .* bytes; the limit is 1024"):
        read_bank_file(big, "big.xml", max_bytes=1024)
