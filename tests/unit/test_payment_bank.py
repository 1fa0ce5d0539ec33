"""The outbox folder bank channel and the payment settings."""

import os

import pytest
from pydantic import ValidationError

from services.payment.bank import BankChannel, OutboxFolder
from services.payment.config import PaymentSettings


def test_outbox_folder_writes_whole_files_per_tenant(tmp_path):
    channel: BankChannel = OutboxFolder(tmp_path)
    where = channel.deliver("demo", "abc.xml", b"<Document/>")
    assert where == str(tmp_path / "demo" / "abc.xml")
    assert (tmp_path / "demo" / "abc.xml").read_bytes() == b"<Document/>"
    channel.deliver("demo", "abc.xml", b"<Document>again</Document>")
    assert os.listdir(tmp_path / "demo") == ["abc.xml"]  # replaced, no temporary left behind


@pytest.mark.parametrize("tenant", ["..", "../etc", "a/b", ".hidden", ""])
def test_outbox_folder_refuses_names_that_leave_the_folder(tmp_path, tenant):
    with pytest.raises(ValueError, match="cannot be used"):
        OutboxFolder(tmp_path / "out").deliver(tenant, "abc.xml", b"x")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.xml"))


def test_settings_have_a_valid_demo_debtor_and_per_tenant_debtors(monkeypatch):
    monkeypatch.setenv(
        "FP_PAYMENT_DEBTORS",
        '{"acme": {"name": "Acme AS", "orgnr": "974760673", '
        '"account": "8601.11.17947", "bic": "DABANO22", "id_scheme": "BANK"}}',
    )
    settings = PaymentSettings()
    assert settings.debtor_for("demo").name == "Demo Bedrift AS"
    acme = settings.debtor_for("acme")
    assert (acme.orgnr, acme.account, acme.id_scheme) == ("974760673", "86011117947", "BANK")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FP_PAYMENT_DEBTOR_ACCOUNT", "15030100008"),
        ("FP_PAYMENT_DEBTOR_ORGNR", "910747712"),
        ("FP_PAYMENT_DEBTOR_BIC", "DNB"),
    ],
)
def test_settings_refuse_a_debtor_the_bank_would_refuse(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        PaymentSettings()
