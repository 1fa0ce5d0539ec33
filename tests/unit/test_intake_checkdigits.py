import pytest

from shared import checkdigits as cd


@pytest.mark.parametrize("value", ["974760673", "974 760 673", "923609016"])
def test_valid_orgnr(value: str) -> None:
    assert cd.valid_orgnr(value)


@pytest.mark.parametrize("value", ["974760674", "97476067", "9747606730", "abcdefghi", ""])
def test_invalid_orgnr(value: str) -> None:
    assert not cd.valid_orgnr(value)


def test_normalise_orgnr_strips_no_and_mva() -> None:
    assert cd.normalise_orgnr("NO 974 760 673 MVA") == "974760673"
    assert cd.normalise_orgnr("NO974760673MVA") == "974760673"
    assert cd.normalise_orgnr("974760674") is None
    assert cd.vat_id_for("974760673") == "NO974760673MVA"


@pytest.mark.parametrize("value", ["15030100007", "1503.01.00007", "8601 11 17947", "86011117947"])
def test_valid_kontonr(value: str) -> None:
    assert cd.valid_kontonr(value)
    assert cd.normalise_kontonr(value) == cd.digits_only(value)


@pytest.mark.parametrize("value", ["15030100008", "1503010", "150301000070", "8601111794"])
def test_invalid_kontonr_including_seven_digit_giro_numbers(value: str) -> None:
    assert not cd.valid_kontonr(value)


def test_format_kontonr() -> None:
    assert cd.format_kontonr("15030100007") == "1503.01.00007"


@pytest.mark.parametrize("value", ["000000018", "20260048", "10001234565", "18"])
def test_kid_mod10(value: str) -> None:
    assert cd.valid_kid_mod10(value) and cd.valid_kid(value)
    assert cd.kid_scheme(value) == "MOD10"
    assert cd.kid_mod10_check_digit(value[:-1]) == value[-1]


@pytest.mark.parametrize("value", ["12345674", "555001231", "202601197", "7000111-"])
def test_kid_mod11_including_dash(value: str) -> None:
    assert cd.valid_kid_mod11(value) and cd.valid_kid(value)
    assert cd.kid_mod11_check_digit(value[:-1]) == value[-1]


@pytest.mark.parametrize(
    "value", ["000000017", "12345675", "1", "1234567890123456789012345678", "12a4"]
)
def test_invalid_kid(value: str) -> None:
    assert not cd.valid_kid(value)
    assert cd.normalise_kid(value) is None


def test_iban() -> None:
    assert cd.valid_iban("NO9386011117947")
    assert cd.normalise_iban("NO93 8601 1117 947") == "NO9386011117947"
    assert cd.iban_to_bban("NO9386011117947") == "86011117947"
    assert cd.iban_to_bban("DE89370400440532013000") is None
    assert not cd.valid_iban("NO9486011117947")
    assert not cd.valid_iban("not an iban")


def test_bic() -> None:
    assert cd.normalise_bic("dnba nokk") == "DNBANOKK"
    assert cd.valid_bic("COBADEFFXXX")
    assert not cd.valid_bic("HELLO")
