from services.validation.suppliers import History, account_of, fraud_findings, kid_pattern
from shared.schemas.invoice import CanonicalInvoice

KNOWN = History(frozenset({"15030100007"}), frozenset({"9/MOD10"}))


def ids(findings):
    return [f.rule_id for f in findings]


def test_the_known_account_and_kid_pattern_pass():
    assert fraud_findings(KNOWN, "15030100007", "9/MOD10", "974760673", "974760673") == []


def test_a_first_invoice_teaches_and_is_not_suspicious():
    assert (
        fraud_findings(History(frozenset(), frozenset()), "12060543214", "9/MOD10", None, "x") == []
    )


def test_a_new_account_for_a_known_supplier_is_flagged_with_the_known_ones():
    [finding] = fraud_findings(KNOWN, "12060543214", "9/MOD10", None, "974760673")
    assert finding.rule_id == "FP-FRAUD-01" and "15030100007" in finding.message_nb


def test_a_changed_kid_pattern_is_flagged():
    assert ids(fraud_findings(KNOWN, "15030100007", "12/MOD11", None, "s")) == ["FP-FRAUD-02"]


def test_another_suppliers_account_is_flagged_even_for_a_new_supplier():
    empty = History(frozenset(), frozenset())
    [finding] = fraud_findings(empty, "15030100007", None, "974760673", "923609016")
    assert finding.rule_id == "FP-FRAUD-03" and "974760673" in finding.message_en


def test_norwegian_iban_and_bban_are_the_same_account_and_patterns_read_the_check():
    assert account_of(CanonicalInvoice(payment_account="NO93 8601 1117 947")) == "86011117947"
    assert account_of(CanonicalInvoice(payment_account="8601.11.17947")) == "86011117947"
    assert kid_pattern("000000018") == "9/MOD10"
    assert kid_pattern(None) is None
