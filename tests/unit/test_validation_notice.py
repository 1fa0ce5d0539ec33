from datetime import UTC, datetime

from services.validation.notice import rejection_notice
from shared.schemas.events import Finding, Severity


def test_the_notice_names_each_fatal_reason_in_both_languages_and_how_to_resend():
    findings = [
        Finding(
            rule_id="BR-CO-15",
            flag=Severity.FATAL,
            location="/Invoice/cac:LegalMonetaryTotal[1]",
            message_nb="Sum med mva må være sum uten mva pluss mva.",
            message_en="Total with VAT must equal total without VAT plus VAT.",
        ),
        Finding(
            rule_id="NO-R-002",
            flag=Severity.WARNING,
            location="/Invoice",
            message_nb="Foretaksregisteret mangler.",
            message_en="Foretaksregisteret missing.",
        ),
    ]
    notice = rejection_notice(
        invoice={"number": "F-77", "buyer": {"name": "Demo Bedrift AS"}},
        invoice_id="abc",
        findings=findings,
        to="faktura@lev.example",
        sender="avvist@fakturaportal.example",
        at=datetime(2026, 11, 27, tzinfo=UTC),
    )
    body = notice.get_content()
    assert notice["To"] == "faktura@lev.example"
    assert "F-77" in notice["Subject"] and "avvist" in notice["Subject"]
    assert "Sum med mva må være sum uten mva pluss mva. (BR-CO-15" in body
    assert "Total with VAT must equal total without VAT plus VAT. (BR-CO-15" in body
    assert "send fakturaen på nytt" in body and "send the invoice again" in body
    assert "Foretaksregisteret" not in body  # warnings do not reject, so they are not reasons
    assert notice["Message-ID"].startswith("<") and "reject.abc" in notice["Message-ID"]
