"""Finance in a real browser against the running system: a supplier uploads a PDF invoice and
follows it to "paid" (offering an early-payment discount on the way); one payment approver
proposes a run and is refused its release, a second releases it and downloads the pain.001; the
bank's camt.054 is uploaded on the bank page; the cockpit draws its charts; each page reads in
bokmål and English, and those who are not finance are refused its pages.

The tests use a tenant of their own, so their organisation and payment setup touch no other
browser test's.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from fakturaportal.demo import demo_invoice, kid_for
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    SUPPLIER,
    Mailbox,
    context,
    in_both_languages,
    no_sideways_scroll,
    reload_until,
    snap,
)
from tests.e2e.system import PORTAL, token
from tests.e2e.test_payment import OWN_FLAGS_OFF, SETTINGS
from tests.infra import TestEnv, wait_for
from tests.unit.bankfile_samples import camt054, camt_entry, camt_tx

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TENANT = "portal-fin-e2e"
PIA = "pia@fin.example"
PER = "per@fin.example"
FINN = "finn@fin.example"
KARI = "kari@fin.example"
SIRI = "siri@kontorrekvisita-fin.example"
TODAY = date.today()
ORGANISATION: dict[str, Any] = {
    "users": [
        {"id": "pia", "name": "Pia Holm", "roles": ["accountant", "payment-approver"], "email": PIA},
        {"id": "per", "name": "Per Lund", "roles": ["payment-approver"], "email": PER},
        {"id": "finn", "name": "Finn Aas", "roles": ["finance-admin"], "email": FINN},
        {"id": "kari", "name": "Kari Nordmann", "roles": ["attestant"], "email": KARI},
        {"id": "ola", "name": "Ola Hansen", "roles": ["budget-holder"]},
        {
            "id": "siri",
            "name": "Siri Dahl",
            "roles": ["supplier-contact"],
            "email": SIRI,
            "supplier_orgnrs": [SUPPLIER.orgnr],
        },
    ],
    "authority": [{"role": "budget-holder", "max_amount": "100000", "user": "ola"}],
    "routing": {"ap_inbox": "kari"},
}
PAYMENT_SETTINGS = SETTINGS | {"debtor_accounts": SETTINGS["debtor_accounts"][:1]}
"""As the payment e2e test's tenant, with one debtor account; its validation policy switches off
its own fraud and duplicate flags too, so that the payment service's checks are what this meets."""


def auth(env: TestEnv, user: str, *roles: str) -> dict[str, str]:
    return token(env, user, *roles, tenant=TENANT)


@pytest.fixture(scope="module")
def fin(system: TestEnv) -> TestEnv:
    """The tenant: its people, a validation policy without its own fraud and duplicate flags,
    and a payment setup with a debtor account, so that runs can be released."""
    finn = auth(system, "finn", "finance-admin")
    for section in ("users", "authority", "routing"):
        put = httpx.put(
            f"{PORTAL}/api/v1/approval/organisation/{section}",
            headers=finn,
            json=ORGANISATION[section],
            timeout=30,
        )
        assert put.status_code == 200, put.text
    policy = httpx.get(f"{PORTAL}/api/v1/validation/policy", headers=finn, timeout=10).json()
    policy["rules"] = policy.get("rules", {}) | OWN_FLAGS_OFF
    put = httpx.put(f"{PORTAL}/api/v1/validation/policy", headers=finn, json=policy, timeout=30)
    assert put.status_code == 200, put.text
    put = httpx.put(
        f"{PORTAL}/api/v1/payment/settings", headers=finn, json=PAYMENT_SETTINGS, timeout=30
    )
    assert put.status_code == 200, put.text
    return system


@pytest.fixture(scope="module")
def mail(fin: TestEnv) -> Mailbox:
    return Mailbox(fin)


def log_in(page: Page, mailbox: Mailbox, address: str, lang: str = "nb") -> None:
    """As the shared helper does, for this module's tenant."""
    page.goto(f"/login?lang={lang}")
    page.fill("#email", address)
    page.fill("#tenant", TENANT)
    page.locator("main button[type=submit]").click()
    expect(page.get_by_test_id("link-sent")).to_be_visible()
    page.goto(mailbox.next_link(address))
    page.locator("main button[type=submit]").click()
    expect(page.locator("form.logout")).to_be_visible()


def pdf_invoice(number: int, gross: Decimal, due: date) -> bytes:
    """A text PDF as a small supplier sends one: every field a payment needs, in words."""
    net = (gross / Decimal("1.25")).quantize(Decimal("0.01"))
    lines = [
        ("Faktura", 22),
        (SUPPLIER.name, 12),
        ("Org.nr: 974 760 673 MVA", 11),
        (f"Fakturanr: {number}", 11),
        (f"Fakturadato: {TODAY:%d.%m.%Y}", 11),
        (f"Forfallsdato: {due:%d.%m.%Y}", 11),
        ("Kontonr: 1503.01.00007", 11),
        (f"KID: {kid_for(number)}", 11),
        (f"Sum eks. mva: {nok(net)}", 11),
        (f"Mva 25 %: {nok(gross - net)}", 11),
        (f"Å betale: {nok(gross)}", 12),
    ]
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    y = 780
    for text, size in lines:
        page.setFont("Helvetica-Bold" if size > 11 else "Helvetica", size)
        page.drawString(60, y, text)
        y -= 28
    page.save()
    return buffer.getvalue()


def nok(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",")


def status_of(env: TestEnv, invoice_id: str) -> dict[str, Any]:
    found = httpx.get(
        f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=auth(env, "finn", "auditor"), timeout=10
    )
    return found.json() if found.status_code == 200 else {}


def wait_status(env: TestEnv, invoice_id: str, *wanted: str) -> dict[str, Any]:
    return wait_for(
        lambda: (s := status_of(env, invoice_id)).get("status") in wanted and s,
        timeout=120,
        what=f"{invoice_id} {'/'.join(wanted)}",
    )


def approve(env: TestEnv, invoice_id: str) -> None:
    """Attested by kari, approved within her authority by ola: through approval's API."""
    wait_status(env, invoice_id, "awaiting-approval")
    for user, role in (("kari", "attestant"), ("ola", "budget-holder")):
        done = httpx.post(
            f"{PORTAL}/api/v1/invoices/{invoice_id}/approve",
            headers=auth(env, user, role),
            timeout=30,
        )
        assert done.status_code == 200, done.text
    wait_status(env, invoice_id, "posted")
    wait_for(
        lambda: httpx.get(
            f"{PORTAL}/api/v1/payment/items/{invoice_id}",
            headers=auth(env, "finn", "auditor"),
            timeout=10,
        ).status_code
        == 200,
        timeout=60,
        what=f"{invoice_id} in the payment book",
    )


def test_a_supplier_follows_a_pdf_invoice_to_paid_through_a_run_released_by_a_second_person(
    fin: TestEnv, mail: Mailbox, browser: Browser
):
    due = TODAY + timedelta(days=21)
    with context(browser, PHONE) as supplier_ctx:
        siri = supplier_ctx.new_page()
        log_in(siri, mail, SIRI)
        siri.goto("/supplier/upload")
        siri.set_input_files(
            "#file",
            files=[
                {
                    "name": "faktura-660101.pdf",
                    "mimeType": "application/pdf",
                    "buffer": pdf_invoice(660101, Decimal("4375.00"), due),
                }
            ],
        )
        siri.get_by_role("button", name="Send", exact=True).click()
        expect(siri.get_by_test_id("status")).to_be_visible(timeout=60_000)
        invoice_id = siri.url.split("/supplier/invoices/")[1].split("?")[0]

        approve(fin, invoice_id)

        # Approved and in the payment book: when it will be paid, and an early-payment offer.
        siri.goto(f"/supplier/invoices/{invoice_id}")
        expect(siri.get_by_test_id("status")).to_have_text("Godkjent")
        siri.get_by_test_id("payment-link").click()
        planned = httpx.get(
            f"{PORTAL}/api/v1/payment/items/{invoice_id}", headers=auth(fin, "finn", "auditor")
        ).json()["execution_date"]
        assert planned <= due.isoformat()  # the banking day on or before the due date
        expect(siri.get_by_test_id("planned")).to_have_text(planned)
        no_sideways_scroll(siri)
        in_both_languages(siri, "finance-supplier-payment", {"nb": "Planlagt", "en": "Planned"})
        siri.fill("#percent", "1,5")
        siri.get_by_role("button", name="Gi tilbudet").click()
        expect(siri.locator(".flash").first).to_have_text("Takk! Tilbudet er registrert.")
        expect(siri.get_by_test_id("offer")).to_contain_text("1,5 %")

        with context(browser, DESKTOP) as pia_ctx, context(browser, PHONE) as per_ctx:
            # One payment approver proposes the run, and may not release it herself.
            pia = pia_ctx.new_page()
            log_in(pia, mail, PIA)
            pia.goto("/finance/payment-runs")
            in_both_languages(
                pia, "finance-runs", {"nb": "Nytt betalingsforslag", "en": "New payment run"}
            )
            pia.fill("#horizon", (TODAY + timedelta(days=30)).isoformat())
            pia.get_by_role("button", name="Lag forslag").click()
            expect(pia.locator(".flash")).to_have_text("Betalingsforslaget er laget.")
            card = pia.locator(f'[data-invoice="{invoice_id}"]')
            expect(card).to_contain_text("660101")
            run_url = pia.url.split("?")[0]
            run_id = run_url.rsplit("/", 1)[1]
            run = httpx.get(
                f"{PORTAL}/api/v1/payment-runs/{run_id}", headers=auth(fin, "per", "auditor")
            ).json()
            (payment,) = [p for p in run["items"] if p["invoice_id"] == invoice_id]
            assert payment["decision"]["pay_early"] is True  # the supplier's offer pays off
            expect(card.get_by_test_id("execution-date")).to_have_text(payment["execution_date"])
            in_both_languages(pia, "finance-run", {"nb": "Betales", "en": "Paid on"})
            pia.get_by_role("button", name="Godkjenn og send til banken").click()
            expect(pia.get_by_test_id("error")).to_contain_text(
                "Ikke utført: Den som foreslo betalingsforslaget kan ikke frigi det (fire øyne)."
            )
            expect(pia.get_by_test_id("run-status")).to_have_text("Foreslått")
            snap(pia, "finance-run-refused")

            # The supplier sees the payment scheduled for its date.
            siri.goto(f"/supplier/invoices/{invoice_id}")
            reload_until(siri, ".stage-scheduled")
            expect(siri.locator("ol.timeline")).to_contain_text(
                f"Betaling planlagt {payment['execution_date']}"
            )

            # A second payment approver releases it, on a phone, and downloads the file.
            per = per_ctx.new_page()
            log_in(per, mail, PER)
            per.goto("/finance/payment-runs")
            per.locator(f'[data-run="{run_id}"] a').click()
            per.get_by_role("button", name="Godkjenn og send til banken").click()
            expect(per.locator(".flash")).to_have_text("Godkjent. Betalingsfilen går til banken.")
            expect(per.get_by_test_id("released-by")).to_contain_text("per")
            no_sideways_scroll(per)
            link = per.get_by_test_id("files").locator("a")
            with per.expect_download() as download:
                link.click()
            content = download.value.path().read_bytes()
            assert b"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" in content
            assert f"<EndToEndId>{payment['payment_id']}</EndToEndId>".encode() in content
            assert download.value.suggested_filename.endswith(".xml")
            reload_until(per, '[data-testid="run-status"].run-sent')  # the bank worker took it

            # The bank's camt.054 says it is paid: uploaded on the bank page.
            per.goto("/finance/bank")
            in_both_languages(
                per, "finance-bank", {"nb": "Svar fra banken", "en": "The bank's answers"}
            )
            camt = camt054(
                "02",
                camt_entry(
                    "02",
                    camt_tx(
                        "02",
                        end_to_end_id=payment["payment_id"],
                        kid=kid_for(660101),
                        amount=payment["amount"],
                    ),
                    amount=payment["amount"],
                ),
                message_id=f"DBT-FIN-{run_id[:8]}",
            ).replace(b"2026-03-02", payment["execution_date"].encode())
            per.set_input_files(
                "#file",
                files=[{"name": "camt054.xml", "mimeType": "application/xml", "buffer": camt}],
            )
            per.get_by_role("button", name="Les filen").click()
            expect(per.get_by_test_id("count-settled")).to_have_text("1")
            snap(per, "finance-bank-read")

        # The supplier sees it paid.
        siri.goto(f"/supplier/invoices/{invoice_id}")
        reload_until(siri, ".stage-paid")
        expect(siri.get_by_test_id("status")).to_have_text("Betalt")
        expect(siri.locator("ol.timeline")).to_contain_text(
            f"Betalt {payment['execution_date']}"
        )
        in_both_languages(siri, "finance-supplier-paid", {"nb": "Betalt", "en": "Paid"})


def test_the_cockpit_draws_its_charts_in_both_languages(
    fin: TestEnv, mail: Mailbox, browser: Browser
):
    number = 660201
    uploaded = httpx.post(
        f"{PORTAL}/api/v1/invoices",
        headers=auth(fin, "anne", "accountant"),
        files={"file": ("ehf.xml", demo_invoice(number, SUPPLIER), "application/xml")},
        timeout=30,
    )
    assert uploaded.status_code == 201, uploaded.text
    approve(fin, uploaded.json()["invoice_id"])
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        log_in(page, mail, FINN)
        page.goto("/finance/cockpit")
        assert int(page.get_by_test_id("kpi-received").inner_text()) >= 1
        expect(page.locator("svg.chart")).to_have_count(7)
        volumes = page.get_by_test_id("chart-volumes")
        expect(volumes.locator("svg title").first).to_have_text("Mottatte fakturaer per uke")
        assert volumes.locator("rect[data-value]").count() >= 1
        expect(page.get_by_test_id("chart-accounts").locator("table")).to_be_visible()
        assert page.get_by_test_id("chart-weekly").locator("rect[data-value]").count() >= 1
        no_sideways_scroll(page)
        in_both_languages(
            page, "finance-cockpit", {"nb": "Likviditetsprognose", "en": "Liquidity forecast"}
        )
        for lang, heading in (("nb", "Utbetalinger per uke"), ("en", "Cash going out per week")):
            page.goto(f"/finance/cockpit?lang={lang}")
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
            page.locator("#weekly-h").evaluate("heading => window.scrollTo(0, heading.offsetTop)")
            page.wait_for_function("window.scrollY > 0")
            snap(page, "finance-cockpit-forecast")


def test_a_supplier_and_an_approver_are_refused_finance_pages(
    fin: TestEnv, mail: Mailbox, browser: Browser
):
    for address in (SIRI, KARI):
        with context(browser, PHONE) as ctx:
            page = ctx.new_page()
            log_in(page, mail, address)
            for path in ("/finance/cockpit", "/finance/payment-runs", "/finance/bank"):
                response = page.goto(path)
                assert response is not None and response.status == 403, (address, path)
            expect(page.get_by_test_id("error-title")).to_have_text("Ingen tilgang")
            expect(page.locator("nav")).not_to_contain_text("Økonomi")
