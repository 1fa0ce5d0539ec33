"""The setup forms in a real browser against the running system: a finance admin changes the
invoice tolerance (a Norwegian decimal comma) and sees it in the history, is refused an unknown
rule id with validation's reason and the input kept, adds an account to the chart and removes it,
adds a coding rule; and two admins open the chart at once: the second save is refused with the
concurrent-change warning and nothing is overwritten. Every form in bokmål and English, with
screenshots; each also works on a phone without sideways scrolling.

The tests use a tenant of their own, so changing its setup touches no other test."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    Mailbox,
    context,
    in_both_languages,
    log_in,
    no_sideways_scroll,
    snap,
)
from tests.e2e.system import PORTAL, token
from tests.infra import TestEnv

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TENANT = "admin-e2e"
FINN = "finn@admin.example"
ORGANISATION: dict[str, Any] = {
    "users": [
        {"id": "finn", "name": "Finn Admin", "roles": ["finance-admin"], "email": FINN},
        {"id": "revisor", "name": "Rita Revisor", "roles": ["auditor"]},
    ],
}


@pytest.fixture(scope="module")
def admin_org(org: TestEnv) -> TestEnv:
    """The tenant of these tests: a finance admin who can log in."""
    finn = token(org, "finn", "finance-admin", tenant=TENANT)
    response = httpx.put(
        f"{PORTAL}/api/v1/approval/organisation/users",
        headers=finn,
        json=ORGANISATION["users"],
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return org


def api(env: TestEnv, path: str) -> Any:
    response = httpx.get(
        f"{PORTAL}/api/v1{path}",
        headers=token(env, "revisor", "auditor", tenant=TENANT),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def save(page: Page, form: str) -> None:
    page.get_by_test_id(form).get_by_role("button", name="Lagre").click()


def test_an_admin_sets_tolerances_the_chart_and_coding_rules_in_forms(
    admin_org: TestEnv, mailbox: Mailbox, browser: Browser
) -> None:
    with context(browser, DESKTOP) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, FINN, tenant=TENANT)
        page.goto("/admin")
        page.get_by_role("link", name="Toleranser og kontrollregler").click()
        expect(page).to_have_url(f"{page.url.split('/admin')[0]}/admin/policy")
        expect(page.locator("#invoice_percent")).to_have_value("2")

        page.fill("#invoice_percent", "2,5")
        page.fill("#rule_0", "XX-1")
        page.select_option("#flag_0", "off")
        save(page, "policy-form")
        expect(page.get_by_test_id("error")).to_contain_text("Ikke utført: Ukjente regel-id-er: XX-1")
        expect(page.locator("#invoice_percent")).to_have_value("2,5")  # what was typed stays
        page.fill("#rule_0", "fp-dup-02")
        save(page, "policy-form")
        expect(page.locator(".flash")).to_have_text("Lagret.")
        expect(page.locator("#invoice_percent")).to_have_value("2.5")
        expect(page.locator('[data-rule="FP-DUP-02"] select')).to_have_value("off")
        newest = page.get_by_test_id("history").locator("li").first
        expect(newest).to_contain_text("finn")
        newest.locator("summary").click()
        expect(newest.locator("pre")).to_contain_text('"percent": "2.5"')
        in_both_languages(page, "admin-policy", {"nb": "Toleransegrenser", "en": "Tolerances"})
        policy = api(admin_org, "/validation/policy")
        assert Decimal(policy["tolerances"]["invoice"]["percent"]) == Decimal("2.5")
        assert policy["rules"] == {"FP-DUP-02": "off"}

        page.goto("/admin/chart")
        blank = page.locator('tr[data-account=""]').first
        blank.locator("input[name^=number_]").fill("6552")
        blank.locator("input[name^=name_]").fill("Programvare, lisenser")
        blank.locator("input[name^=vat_codes_]").fill("1, 86")
        save(page, "chart-form")
        expect(page.locator(".flash")).to_have_text("Lagret.")
        added = page.locator('tr[data-account="6552"]')
        expect(added.locator("input[name^=vat_codes_]")).to_have_value("1, 86")
        chart = {a["number"]: a for a in api(admin_org, "/coding/setup")["chart"]}
        assert chart["6552"] == {
            "number": "6552",
            "name": "Programvare, lisenser",
            "vat_codes": ["1", "86"],
        }
        in_both_languages(page, "admin-chart", {"nb": "Kontoplan", "en": "Chart of accounts"})
        added.locator("input[type=checkbox]").check()
        save(page, "chart-form")
        expect(page.locator(".flash")).to_have_text("Lagret.")
        expect(page.locator('tr[data-account="6552"]')).to_have_count(0)
        expect(page.locator('tr[data-account="6553"]')).to_have_count(1)
        assert "6552" not in {a["number"] for a in api(admin_org, "/coding/setup")["chart"]}

        page.goto("/admin/rules")
        page.fill("#name_0", "Strøm")
        page.fill("#supplier_orgnr_0", "974 760 673")
        page.fill("#text_contains_0", "strøm")
        page.fill("#account_0", "6340")
        page.fill("#vat_code_0", "1")
        save(page, "rules-form")
        expect(page.locator(".flash")).to_have_text("Lagret.")
        expect(page.locator('[data-rule="Strøm"] legend').first).to_have_text("Strøm")
        assert api(admin_org, "/coding/setup")["rules"] == [
            {
                "name": "Strøm",
                "when": {
                    "supplier_orgnr": "974760673",
                    "text_contains": "strøm",
                    "buyer_reference": None,
                },
                "then": {"account": "6340", "vat_code": "1", "department": None, "project": None},
            }
        ]
        in_both_languages(page, "admin-rules", {"nb": "Så konteres", "en": "Then code"})
        page.get_by_test_id("advanced").click()
        expect(page.locator("#value")).to_contain_text('"Strøm"')


def test_a_save_over_a_change_made_meanwhile_is_refused(
    admin_org: TestEnv, mailbox: Mailbox, browser: Browser
) -> None:
    with context(browser, DESKTOP) as first_ctx, context(browser, PHONE) as second_ctx:
        first, second = first_ctx.new_page(), second_ctx.new_page()
        log_in(first, mailbox, FINN, tenant=TENANT)
        log_in(second, mailbox, FINN, tenant=TENANT)
        for page in (first, second):
            page.goto("/admin/chart")
        for page, number, name in ((first, "6554", "Først"), (second, "6555", "Sist")):
            blank = page.locator('tr[data-account=""]').first
            blank.locator("input[name^=number_]").fill(number)
            blank.locator("input[name^=name_]").fill(name)

        save(first, "chart-form")
        expect(first.locator(".flash")).to_have_text("Lagret.")
        save(second, "chart-form")
        expect(second.get_by_test_id("error")).to_contain_text(
            "noen andre har endret dette siden du åpnet siden"
        )
        expect(second.get_by_test_id("current")).to_contain_text('"6554"')
        expect(second.locator('tr[data-account="6555"] input[name^=name_]')).to_have_value("Sist")
        numbers = {a["number"] for a in api(admin_org, "/coding/setup")["chart"]}
        assert "6554" in numbers and "6555" not in numbers  # nothing was overwritten
        snap(second, "admin-conflict")
        second.goto("/admin/chart?lang=en")
        expect(second.locator('tr[data-account="6554"]')).to_have_count(1)

        second.goto("/admin/settings/chart?lang=en")  # the JSON editor is guarded the same way
        save_en = second.get_by_test_id("json-form").get_by_role("button", name="Save")
        first.goto("/admin/chart")
        first.locator('tr[data-account="6554"] input[type=checkbox]').check()
        save(first, "chart-form")
        expect(first.locator(".flash")).to_have_text("Lagret.")
        save_en.click()
        expect(second.get_by_test_id("error")).to_contain_text(
            "someone else changed this since you opened the page"
        )
        snap(second, "admin-conflict")
        assert "6554" not in {a["number"] for a in api(admin_org, "/coding/setup")["chart"]}

        for path in ("/admin/policy", "/admin/chart", "/admin/rules"):
            second.goto(path)
            no_sideways_scroll(second)
