"""`fakturaportal validate`: the service's EHF rules on a local file, with stable exit codes."""

import json

from fakturaportal.cli import main
from fakturaportal.demo import demo_invoice
from tests.conftest import shared_data
from tests.e2e.test_validation import broken_totals


def run(capsys, tmp_path, data, *flags):
    path = tmp_path / "f.xml"
    path.write_bytes(data)
    code = main(["validate", str(path), *flags])
    return code, capsys.readouterr()


def test_a_valid_invoice_exits_0(tmp_path, capsys):
    code, out = run(capsys, tmp_path, demo_invoice(1), "--json")
    assert code == 0
    assert json.loads(out.out) == {"valid": True, "findings": []}


def test_a_fatal_finding_exits_1_with_rule_flag_message_and_location(tmp_path, capsys):
    code, out = run(capsys, tmp_path, broken_totals(2), "--json", "--lang", "en")
    assert code == 1
    result = json.loads(out.out)
    assert result["valid"] is False
    [finding] = [f for f in result["findings"] if f["rule"] == "BR-CO-15"]
    assert (
        finding["flag"] == "fatal"
        and finding["message"]
        and finding["location"].startswith("/Invoice")
    )


def test_not_ubl_exits_2(tmp_path, capsys):
    code, out = run(capsys, tmp_path, b"<Order xmlns='urn:x'/>", "--json")
    assert code == 2
    assert "not a UBL" in json.loads(out.out)["error"]
    code, _ = run(capsys, tmp_path, b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    assert code == 2


def test_the_official_norwegian_sample_is_valid(tmp_path, capsys):
    data = shared_data("ehf", "national-NO", "Norwegian-example-1.xml").read_bytes()
    code, out = run(capsys, tmp_path, data, "--json")
    assert code == 0, out.out
