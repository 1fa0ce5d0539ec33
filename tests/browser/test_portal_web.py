"""The portal's web UI in a real browser against the running system: an approver decides on a
phone, a supplier follows their invoices, writes and uploads, each is refused what is not
theirs, a form without its CSRF token does nothing, and every page reads in bokmål and English."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect

from fakturaportal.demo import demo_invoice
from tests.browser.conftest import (
    DESKTOP,
    KARI,
    OLA,
    OTHER_SUPPLIER,
    PHONE,
    SIRI,
    STIAN,
    SUPPLIER,
    TENANT,
    Mailbox,
    approval_case,
    context,
    in_both_languages,
    log_in,
    no_sideways_scroll,
    reload_until,
    snap,
)
from tests.e2e.system import upload
from tests.infra import TestEnv
from tests.samples import text_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def invoice(number: int, gross: str, supplier=SUPPLIER) -> bytes:  # type: ignore[no-untyped-def]
    net = (Decimal(gross) / Decimal("1.25")).quantize(Decimal("0.01"))
    return demo_invoice(number, supplier, lines=(("Kontorstoler", net),))


def test_the_start_page_in_both_languages(org: TestEnv, browser: Browser):
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        page.goto("/")
        expect(page.locator("header")).to_be_visible()
        in_both_languages(page, "home", {"nb": "Leverandørfakturaer", "en": "Supplier invoices"})


def test_an_approver_decides_on_a_phone(org: TestEnv, mailbox: Mailbox, browser: Browser):
    invoice_id = upload(org, invoice(8101, "2500.00"), tenant=TENANT)
    approval_case(org, invoice_id)
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, KARI, shots=True)
        expect(page).to_have_url(f"{page.url.split('/approver')[0]}/approver/inbox")
        card = page.locator(f'[data-invoice="{invoice_id}"]')
        expect(card).to_contain_text("Kontorrekvisita Nord AS")
        expect(card).to_contain_text("2\u00a0500,00\u00a0NOK")
        no_sideways_scroll(page)
        in_both_languages(page, "approver-inbox", {"nb": "Innboks", "en": "Inbox"})

        page.locator(f'[data-invoice="{invoice_id}"] a').click()
        expect(page.get_by_test_id("amount")).to_have_text("2\u00a0500,00\u00a0NOK")
        expect(page.get_by_test_id("coding")).to_contain_text("Sikkerhet")
        expect(page.locator("table.lines").first).to_contain_text("Kontorstoler")
        no_sideways_scroll(page)
        in_both_languages(
            page, "approver-invoice", {"nb": "Foreslått kontering", "en": "Suggested coding"}
        )
        page.get_by_role("button", name="Godkjenn").click()
        expect(page.locator(".flash")).to_have_text("Godkjent.")
        # Attested; the budget step is ola's, so the case is still open.
        expect(page.get_by_test_id("case-status")).to_have_text("Venter på godkjenning")
        expect(page.locator("ol.steps")).to_contain_text("godkjent av kari")
        snap(page, "approver-approved")

        page.goto("/approver/absence")
        page.fill("#substitute", "mona")
        page.fill("#valid_from", "2099-07-01")
        page.fill("#valid_to", "2099-07-21")
        page.get_by_role("button", name="Lagre fravær").click()
        expect(page.locator(".flash")).to_have_text("Fraværet er lagret.")
        expect(page.get_by_test_id("absences")).to_contain_text("mona fra 2099-07-01")
        no_sideways_scroll(page)
        in_both_languages(page, "approver-absence", {"nb": "Stedfortreder", "en": "Substitute"})
        page.get_by_role("button", name="Fjern fravær").click()
        expect(page.locator(".flash")).to_have_text("Fraværet er fjernet.")

    with context(browser, PHONE, locale="en-GB") as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, OLA, lang="en", shots=True)
        page.locator(f'[data-invoice="{invoice_id}"] a').click()
        page.get_by_role("button", name="Approve").click()
        expect(page.locator(".flash")).to_have_text("Approved.")
        expect(page.get_by_test_id("case-status")).to_have_text("Approved")
        no_sideways_scroll(page)
    assert approval_case(org, invoice_id)["status"] == "approved"


def test_a_refusal_comes_back_in_the_readers_language(
    org: TestEnv, mailbox: Mailbox, browser: Browser
):
    invoice_id = upload(org, invoice(8102, "3100.00"), tenant=TENANT)
    approval_case(org, invoice_id)
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, OLA)
        page.goto(f"/approver/invoices/{invoice_id}")
        page.get_by_role("button", name="Godkjenn").click()  # the attestation is kari's
        expect(page.get_by_test_id("error")).to_contain_text("Ikke utført:")
        expect(page.get_by_test_id("case-status")).to_have_text("Venter på godkjenning")
        page.locator("summary", has_text="Avvis").click()
        page.locator("form[action$='/reject'] button").click()  # no reason: the form says so
        assert page.locator("#reason:invalid").count() == 1


def test_a_supplier_follows_their_invoices(org: TestEnv, mailbox: Mailbox, browser: Browser):
    mine = upload(org, invoice(8201, "1875.00"), tenant=TENANT)
    theirs = upload(org, invoice(8202, "990.00", OTHER_SUPPLIER), tenant=TENANT)
    bad_vat = invoice(8203, "640.00").replace(b"NO974760673MVA", b"NO974760674MVA")
    rejected = upload(org, bad_vat, tenant=TENANT)
    approval_case(org, mine)
    with context(browser, DESKTOP) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, SIRI)
        expect(page).to_have_url(f"{page.url.split('/supplier')[0]}/supplier/invoices")
        reload_until(page, f'[data-invoice="{mine}"]')
        reload_until(page, f'[data-invoice="{rejected}"] .stage-rejected')
        assert page.locator(f'[data-invoice="{theirs}"]').count() == 0
        in_both_languages(page, "supplier-invoices", {"nb": "Mine fakturaer", "en": "My invoices"})

        page.goto(f"/supplier/invoices/{rejected}")
        expect(page.get_by_test_id("status")).to_have_text("Avvist")
        expect(page.get_by_test_id("reasons")).to_contain_text("NO-R-001")
        in_both_languages(
            page, "supplier-rejected", {"nb": "Hvorfor den ble avvist", "en": "Why it was rejected"}
        )

        page.goto(f"/supplier/invoices/{mine}")
        reload_until(page, "textarea#text")  # messages open once the invoice awaits approval
        expect(page.get_by_test_id("status")).to_have_text("Til godkjenning")
        page.fill("#text", "Stolene ble levert 12. november.")
        page.get_by_role("button", name="Send melding").click()
        expect(page.locator(".flash")).to_have_text("Meldingen er sendt.")
        expect(page.get_by_test_id("comments")).to_contain_text("Stolene ble levert")
        in_both_languages(page, "supplier-invoice", {"nb": "Hvor fakturaen er", "en": "Where"})

        page.goto("/supplier/upload")
        in_both_languages(page, "supplier-upload", {"nb": "kreditnota", "en": "credit note"})
        page.set_input_files(
            "#file",
            files=[
                {
                    "name": "faktura-880401.pdf",
                    "mimeType": "application/pdf",
                    "buffer": text_pdf("880401"),
                }
            ],
        )
        page.get_by_role("button", name="Send", exact=True).click()
        expect(page.get_by_test_id("status")).to_be_visible(timeout=60_000)  # it reloads itself
        uploaded = page.url.split("/supplier/invoices/")[1].split("?")[0]
        page.goto("/supplier/invoices")
        expect(page.locator(f'[data-invoice="{uploaded}"]')).to_be_visible()
        ehf = invoice(8204, "720.00")
        page.goto("/supplier/upload")
        page.set_input_files(
            "#file", files=[{"name": "ehf.xml", "mimeType": "application/xml", "buffer": ehf}]
        )
        page.get_by_role("button", name="Send", exact=True).click()
        expect(page.get_by_test_id("status")).to_be_visible(timeout=60_000)

    with context(browser, PHONE) as ctx:  # the approver sees the uploaded PDF's first page
        page = ctx.new_page()
        log_in(page, mailbox, KARI)
        preview = page.request.get(f"/approver/invoices/{uploaded}/original.png")
        assert preview.status == 200 and preview.body().startswith(b"\x89PNG")
        assert preview.headers["content-type"] == "image/png"


def test_each_is_refused_what_is_not_theirs(org: TestEnv, mailbox: Mailbox, browser: Browser):
    other = upload(org, invoice(8301, "455.00", OTHER_SUPPLIER), tenant=TENANT)
    approval_case(org, other)
    with context(browser, DESKTOP) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, SIRI)
        response = page.goto("/approver/inbox")
        assert response is not None and response.status == 403
        expect(page.get_by_test_id("error-title")).to_have_text("Ingen tilgang")
        in_both_languages(page, "error-403", {"nb": "ikke for deg", "en": "not for you"})
        for path in (f"/supplier/invoices/{other}", f"/supplier/invoices/{uuid.uuid4()}"):
            response = page.goto(path)
            assert response is not None and response.status == 404, path
        expect(page.get_by_test_id("error-title")).to_have_text("Finnes ikke")
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, STIAN)
        response = page.goto(f"/supplier/invoices/{other}")
        assert response is not None and response.status == 200, "stian's own supplier's invoice"
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, KARI)
        response = page.goto("/supplier/invoices")
        assert response is not None and response.status == 403
        response = page.goto(f"/approver/invoices/{uuid.uuid4()}")
        assert response is not None and response.status == 404


def test_a_post_without_the_csrf_token_does_nothing(
    org: TestEnv, mailbox: Mailbox, browser: Browser
):
    invoice_id = upload(org, invoice(8401, "777.00"), tenant=TENANT)
    approval_case(org, invoice_id)
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, KARI)
        url = f"/approver/invoices/{invoice_id}/approve"
        for form in ({}, {"csrf_token": "forged"}):
            refused = page.request.post(url, form=form)
            assert refused.status == 403
            assert "sikkerhetsnøkkelen" in refused.text()
        assert approval_case(org, invoice_id)["steps"][0]["approved_by"] is None
        page.goto(f"/approver/invoices/{invoice_id}")
        expect(page.get_by_test_id("case-status")).to_have_text("Venter på godkjenning")
