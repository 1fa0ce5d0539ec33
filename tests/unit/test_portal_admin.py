"""The setup forms without the system: tolerances, chart and coding rules read from the form
into what the services take (Norwegian decimal commas too), the fingerprint, and the pages through
the real router against a fake that keeps what is saved, so a concurrent change is refused."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fakturaportal.auth import Principal
from fakturaportal.settings import CommonSettings
from services.portal.config import PortalSettings
from services.portal.web import admin
from services.portal.web.admin_forms import (
    FORMS,
    FormProblem,
    chart_from,
    chart_to_form,
    coding_rules_from,
    coding_rules_to_form,
    decimal_text,
    fingerprint,
    policy_from,
    policy_to_form,
)
from services.portal.web.backend import Backend, Reply
from services.portal.web.config import WebSettings
from services.portal.web.session import signed_in
from services.portal.web.ui import Web, install
from services.posting.setup import NS4102, Account, CodingRule
from services.validation.policy import Policy

POLICY: dict[str, Any] = Policy(rules={"FP-DUP-02": "fatal"}).model_dump(mode="json")
CHART = [a.model_dump(mode="json") for a in NS4102[:3]]
RULES = [
    CodingRule.model_validate(
        {
            "name": "Strøm",
            "when": {"supplier_orgnr": "974760673", "text_contains": "strøm"},
            "then": {"account": "6340", "vat_code": "1"},
        }
    ).model_dump(mode="json")
]


# -- the parsers and the fingerprint ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"),
    [("2,5", "2.5"), ("2.5", "2.5"), (" 1 000,50 ", "1000.50"), ("1\u00a0000", "1000"), ("", None)],
)
def test_amounts_and_percents_the_norwegian_way(typed: str, read: str | None) -> None:
    assert decimal_text(typed, "admin.policy.line_percent") == read


@pytest.mark.parametrize("typed", ["abc", "-1", "1.000,50", "2,5 %", "1e3"])
def test_what_is_no_number_is_named(typed: str) -> None:
    with pytest.raises(FormProblem) as found:
        decimal_text(typed, "admin.policy.line_percent")
    assert found.value.key == "admin.form.not_a_number"
    assert found.value.field == "admin.policy.line_percent"
    assert found.value.value == typed.strip()


def test_the_policy_form_round_trips_and_the_service_takes_it() -> None:
    form = policy_to_form(POLICY)
    assert form["line_amount"] == "500" and form["three_way"] == "1"
    assert (form["rule_0"], form["flag_0"], form["rows"]) == ("FP-DUP-02", "fatal", "3")
    assert Policy.model_validate(policy_from(form)) == Policy.model_validate(POLICY)


def test_the_policy_form_reads_commas_rows_and_an_unchecked_box() -> None:
    form = policy_to_form(POLICY) | {
        "invoice_amount": "1 500,75",
        "invoice_percent": "2,5",
        "line_percent": "",
        "duplicate_window_days": " 14 ",
        "remove_0": "1",
        "rule_1": "no-bf-01",
        "flag_1": "off",
        "rule_2": "",
        "flag_2": "fatal",
    }
    del form["three_way"]
    policy = policy_from(form)
    assert policy["tolerances"] == {
        "line": {"amount": "500", "percent": None},
        "invoice": {"amount": "1500.75", "percent": "2.5"},
    }
    assert policy["three_way"] is False
    assert policy["duplicate_window_days"] == 14
    assert policy["rules"] == {"NO-BF-01": "off"}
    Policy.model_validate(policy)


@pytest.mark.parametrize(
    ("change", "key", "field"),
    [
        (
            {"duplicate_window_days": ""},
            "admin.form.required",
            "admin.policy.duplicate_window_days",
        ),
        (
            {"duplicate_window_days": "7,5"},
            "admin.form.not_a_whole_number",
            "admin.policy.duplicate_window_days",
        ),
        ({"invoice_amount": "mye"}, "admin.form.not_a_number", "admin.policy.invoice_amount"),
        ({"rule_1": "fp-dup-02", "flag_1": "off"}, "admin.form.twice", "admin.policy.rule"),
        ({"rule_1": "FP-X", "flag_1": "loud"}, "admin.form.bad_flag", "admin.policy.flag"),
    ],
)
def test_a_policy_form_it_cannot_read_is_a_problem(
    change: dict[str, str], key: str, field: str
) -> None:
    with pytest.raises(FormProblem) as found:
        policy_from(policy_to_form(POLICY) | change)
    assert (found.value.key, found.value.field) == (key, field)


def test_the_chart_form_adds_edits_and_removes_accounts() -> None:
    form = chart_to_form(CHART)
    assert form["rows"] == "5" and form["vat_codes_2"] == "1, 0"
    form |= {
        "remove_0": "1",
        "name_1": " Varekjøp ",
        "number_3": "6 551",
        "name_3": "Datautstyr",
        "vat_codes_3": "1;14  ",
    }
    chart = chart_from(form)
    assert chart == [
        {"number": "4300", "name": "Varekjøp", "vat_codes": None},
        {"number": "4500", "name": "Fremmedytelse og underentreprise", "vat_codes": ["1", "0"]},
        {"number": "6551", "name": "Datautstyr", "vat_codes": ["1", "14"]},
    ]
    assert [Account.model_validate(a) for a in chart]
    assert chart_from(chart_to_form(CHART)) == CHART


def test_the_coding_rules_form_round_trips_and_reads_a_new_rule() -> None:
    assert coding_rules_from(coding_rules_to_form(RULES)) == RULES
    form = coding_rules_to_form(RULES) | {
        "name_1": "Husleie",
        "supplier_orgnr_1": "974 760 673",
        "account_1": " 6300 ",
        "department_1": "DRIFT",
        "name_2": "",
    }
    rules = coding_rules_from(form)
    assert rules[1] == {
        "name": "Husleie",
        "when": {"supplier_orgnr": "974760673", "text_contains": None, "buyer_reference": None},
        "then": {"account": "6300", "vat_code": None, "department": "DRIFT", "project": None},
    }
    assert coding_rules_from(form | {"remove_0": "1"}) == rules[1:]


def test_a_fingerprint_is_of_the_value_not_its_key_order() -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert fingerprint([]) != fingerprint(None)
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint(POLICY))


# -- the pages against a fake that keeps what is saved ----------------------------------------


class Services(Backend):
    """The three services' setup as a dict: GET answers it, PUT replaces a section (or is
    refused with `refuse`), and `sent` is every PUT."""

    def __init__(self, common: CommonSettings) -> None:
        super().__init__(common)
        self.policy: dict[str, Any] = dict(POLICY)
        self.setup: dict[str, Any] = {"chart": list(CHART), "rules": list(RULES)}
        self.org: dict[str, Any] = {"users": [{"id": "kari", "roles": ["attestant"]}]}
        self.sent: list[tuple[str, Any]] = []
        self.refuse: Reply | None = None

    async def call(
        self, who: Principal, method: str, url: str, *, json: Any = None, files: Any = None
    ) -> Reply:
        path = url.split("/api/v1", 1)[1]
        if method == "PUT":
            self.sent.append((path, json))
            if self.refuse:
                return self.refuse
            if path == "/validation/policy":
                self.policy = json
            elif path.startswith("/coding/"):
                self.setup[path.rsplit("/", 1)[1]] = json
            else:
                self.org[path.rsplit("/", 1)[1]] = json
            return Reply(200, {}, b"", "application/json")
        answers = {
            "/validation/policy": self.policy,
            "/validation/policy/history": {"changes": []},
            "/coding/setup": self.setup,
            "/coding/setup/history": {"changes": []},
            "/approval/organisation": self.org,
            "/approval/organisation/history": {"changes": []},
        }
        return Reply(200, answers[path], b"", "application/json")


@pytest.fixture(name="site")
def site_fixture() -> tuple[TestClient, Services]:
    web = Web(WebSettings(), b"session-key" * 3)
    services = Services(CommonSettings(jwt_secret=SecretStr("j" * 32)))
    http = FastAPI()
    install(http, web)
    http.include_router(admin.build_router(web, services, PortalSettings()))
    session = signed_in(
        tenant="demo",
        user="finn",
        name=None,
        roles=frozenset({"finance-admin"}),
        orgnrs=(),
        expires=int(time.time()) + 600,
    )
    client = TestClient(http, base_url="https://testserver")
    client.cookies.set("__Host-fp_session", web.codec.encode(session))
    return client, services


def opened(client: TestClient, path: str) -> dict[str, str]:
    """The hidden fields of the page's form, as a browser would send them back."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', page.text))
    assert {"csrf_token", "fingerprint"} <= set(fields), path
    return fields


FORM_PAGES = ["/admin/policy", "/admin/chart", "/admin/rules"]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_forms_render_in_both_languages_with_the_json_editor_linked(
    site: tuple[TestClient, Services], lang: str
) -> None:
    client, _ = site
    for path in FORM_PAGES:
        page = client.get(f"{path}?lang={lang}")
        assert page.status_code == 200, (path, page.text)
        assert not re.search(r">\s*admin\.[a-z_.]+\s*<", page.text), path
        assert f'href="/admin/settings/{path.rsplit("/", 1)[1]}"' in page.text
    overview = client.get(f"/admin?lang={lang}").text
    assert all(f'href="{path}"' in overview for path in FORM_PAGES)
    assert ("Avansert (JSON)" if lang == "nb" else "Advanced (JSON)") in overview
    assert 'href="/admin/policy"' in client.get("/admin/settings/policy").text
    assert client.get("/admin/nothing").status_code == 404


def test_the_forms_are_for_finance_admins_only(site: tuple[TestClient, Services]) -> None:
    client, _ = site
    anonymous = TestClient(client.app, base_url="https://testserver")
    for path in FORM_PAGES:
        assert anonymous.get(path, follow_redirects=False).status_code in (303, 307), path


def test_a_tolerance_saved_from_the_form(site: tuple[TestClient, Services]) -> None:
    client, services = site
    fields = opened(client, "/admin/policy")
    form = policy_to_form(services.policy) | fields | {"invoice_percent": "2,5"}
    saved = client.post("/admin/policy", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=setup_saved")
    assert services.sent[-1][0] == "/validation/policy"
    assert services.sent[-1][1]["tolerances"]["invoice"]["percent"] == "2.5"


def test_a_form_it_cannot_read_keeps_the_input_and_sends_nothing(
    site: tuple[TestClient, Services],
) -> None:
    client, services = site
    form = policy_to_form(services.policy) | opened(client, "/admin/policy")
    refused = client.post("/admin/policy?lang=en", data=form | {"line_amount": "fem hundre"})
    assert refused.status_code == 422
    assert "Line, amount: “fem hundre” is not a number." in refused.text
    assert 'value="fem hundre"' in refused.text
    assert services.sent == []


def test_a_refusal_is_shown_in_the_readers_language_with_the_input_kept(
    site: tuple[TestClient, Services],
) -> None:
    client, services = site
    services.refuse = Reply(422, {"detail": "unknown rule ids: XX-1"}, b"", "application/json")
    form = policy_to_form(services.policy) | opened(client, "/admin/policy")
    refused = client.post("/admin/policy", data=form | {"rule_1": "XX-1", "flag_1": "off"})
    assert refused.status_code == 422
    assert "Ikke utført: unknown rule ids: XX-1" in refused.text
    assert 'value="XX-1"' in refused.text
    assert f'name="fingerprint" value="{form["fingerprint"]}"' in refused.text


@pytest.mark.parametrize("path", ["/admin/chart", "/admin/settings/chart"])
def test_a_save_over_a_change_made_meanwhile_is_refused_and_nothing_is_written(
    site: tuple[TestClient, Services], path: str
) -> None:
    client, services = site
    fields = opened(client, path)
    services.setup["chart"] = CHART[:1]  # someone else saves first
    mine = (
        chart_to_form(CHART) | {"number_3": "6551", "name_3": "Datautstyr"}
        if path == "/admin/chart"
        else {"value": '[{"number": "6551", "name": "Datautstyr"}]'}
    )
    refused = client.post(f"{path}?lang=en", data=fields | mine)
    assert refused.status_code == 409
    assert "someone else changed this since you opened the page" in refused.text
    assert 'data-testid="current"' in refused.text and "4000" in refused.text
    assert "6551" in refused.text and "Datautstyr" in refused.text  # the input is kept
    assert services.sent == [] and services.setup["chart"] == CHART[:1]
    now = re.search(r'name="fingerprint" value="([0-9a-f]+)"', refused.text)
    assert now and now.group(1) == fingerprint(CHART[:1])
    again = client.post(
        path, data=fields | mine | {"fingerprint": now.group(1)}, follow_redirects=False
    )
    assert again.status_code == 303
    assert services.setup["chart"][-1]["number"] == "6551"


def test_a_save_without_a_fingerprint_is_a_conflict(site: tuple[TestClient, Services]) -> None:
    client, services = site
    fields = opened(client, "/admin/users")
    del fields["fingerprint"]
    refused = client.post("/admin/users", data=fields | {"id_0": "kari", "rows": "1"})
    assert refused.status_code == 409 and services.sent == []


def test_a_coding_rule_added_in_the_form(site: tuple[TestClient, Services]) -> None:
    client, services = site
    form = coding_rules_to_form(services.setup["rules"]) | opened(client, "/admin/rules")
    form |= {"name_1": "Husleie", "text_contains_1": "husleie", "account_1": "6300"}
    assert client.post("/admin/rules", data=form, follow_redirects=False).status_code == 303
    assert [r["name"] for r in services.setup["rules"]] == ["Strøm", "Husleie"]
    assert set(FORMS) == {"policy", "chart", "rules"}
