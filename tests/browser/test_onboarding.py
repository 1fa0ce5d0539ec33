"""Bringing a supplier in, in a real browser: the AP desk invites a supplier's contact on a phone,
the contact follows the link in the invitation and lands on the guide, in bokmål and English;
the contact is refused the invitation page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    OTHER_SUPPLIER,
    PHONE,
    Mailbox,
    context,
    in_both_languages,
    no_sideways_scroll,
    snap,
)
from tests.e2e.system import put_organisation
from tests.infra import TestEnv

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TENANT = "onboard-e2e"
ANNE = "anne@onboard.example"
NEW_CONTACT = "ny.kontakt@stromoglys.example"
USERS: list[dict[str, Any]] = [
    {"id": "anne", "name": "Anne Berg", "roles": ["accountant"], "email": ANNE},
    {
        "id": "kari",
        "name": "Kari Nordmann",
        "roles": ["attestant"],
        "email": "kari@onboard.example",
    },
]


@pytest.fixture(scope="module")
def onboard(system: TestEnv) -> TestEnv:
    """A tenant of its own: the invitation adds people to its organisation."""
    put_organisation(system, TENANT, {"users": USERS})
    return system


def log_in(page: Page, mailbox: Mailbox, address: str) -> None:
    page.goto("/login?lang=nb")
    page.fill("#email", address)
    page.fill("#tenant", TENANT)
    page.locator("main button[type=submit]").click()
    expect(page.get_by_test_id("link-sent")).to_be_visible()
    page.goto(mailbox.next_link(address))
    page.locator("main button[type=submit]").click()
    expect(page.locator("form.logout")).to_be_visible()


def test_an_invited_supplier_follows_the_link_to_the_guide(onboard: TestEnv, browser: Browser):
    mailbox = Mailbox(onboard)
    with context(browser, PHONE) as desk:
        page = desk.new_page()
        log_in(page, mailbox, ANNE)
        page.get_by_role("link", name="Inviter leverandør").click()
        expect(page.locator("h1")).to_have_text("Inviter en leverandør")
        no_sideways_scroll(page)
        in_both_languages(page, "invite", {"nb": "Send invitasjon", "en": "Send the invitation"})

        # A staff address is refused by approval, and the page says so.
        page.fill("#email", "kari@onboard.example")
        page.fill("#orgnr", OTHER_SUPPLIER.orgnr)
        page.get_by_role("button", name="Send invitasjon").click()
        expect(page.get_by_test_id("error")).to_contain_text("ikke en leverandør")

        page.fill("#email", NEW_CONTACT)
        page.fill("#orgnr", OTHER_SUPPLIER.orgnr)
        page.get_by_label("Engelsk").check()
        page.get_by_role("button", name="Send invitasjon").click()
        expect(page.get_by_test_id("invite-sent")).to_contain_text(NEW_CONTACT)
        snap(page, "invite-sent")

    with context(browser, PHONE) as supplier:
        page = supplier.new_page()
        page.goto(mailbox.next_link(NEW_CONTACT))  # the invitation's link: English, to the guide
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.locator("main button[type=submit]").click()
        expect(page).to_have_url(f"{page.url.split('/supplier')[0]}/supplier/guide")
        expect(page.locator("h1")).to_have_text(f"How to send invoices to {TENANT}")
        expect(page.get_by_test_id("fields")).to_contain_text("PEPPOL-EN16931-R003")
        expect(page.get_by_test_id("channels")).to_contain_text(f"{TENANT}@")
        no_sideways_scroll(page)
        in_both_languages(
            page, "supplier-guide", {"nb": "Dette må stå på fakturaen", "en": "must state"}
        )
        page.get_by_role("link", name="Til mine fakturaer").click()
        expect(page.locator("h1")).to_have_text("Mine fakturaer")

        # Not theirs: the invitation page.
        page.goto("/suppliers/invite?lang=en")
        expect(page.locator("main")).to_contain_text("This page is not for you.")
