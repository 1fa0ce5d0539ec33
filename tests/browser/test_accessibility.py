"""Accessibility in a real browser against the running system: axe-core's WCAG 2.0/2.1 A and AA
rules on every main page, in bokmål and in English, with zero violations; and the keyboard: the
skip link is the first tab stop, focus is visible against its background, and an approver
approves an invoice on a phone with Tab and Enter alone.

The pages are filled with real data of a tenant of its own: an invoice awaiting approval, a
captured PDF, a possible duplicate, and a payment run with an approved invoice in it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from fakturaportal.demo import demo_invoice
from services.portal.web.admin import SECTIONS
from tests.browser.conftest import (
    DESKTOP,
    OTHER_SUPPLIER,
    PHONE,
    SUPPLIER,
    Mailbox,
    context,
    log_in,
    snap,
    with_lang,
)
from tests.browser.test_desk import quirky_pdf
from tests.e2e.system import PORTAL, put_organisation, token, upload
from tests.e2e.test_payment import SETTINGS
from tests.infra import TestEnv, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TENANT = "a11y-e2e"
KARI = "kari@a11y.example"
SIRI = "siri@kontorrekvisita-a11y.example"
FINN = "finn@a11y.example"
REVISOR = "revisor@a11y.example"
ORGANISATION: dict[str, Any] = {
    "users": [
        {"id": "anne", "name": "Anne Berg", "roles": ["accountant"]},
        {"id": "kari", "name": "Kari Nordmann", "roles": ["attestant"], "email": KARI},
        {"id": "ola", "name": "Ola Hansen", "roles": ["budget-holder"]},
        {"id": "finn", "name": "Finn Aas", "roles": ["finance-admin"], "email": FINN},
        {"id": "revisor", "name": "Rita Revisor", "roles": ["auditor"], "email": REVISOR},
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
BEST_PRACTICE = (
    "region",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "page-has-heading-one",
    "heading-order",
    "empty-heading",
    "empty-table-header",
    "scope-attr-valid",
    "skip-link",
)
"""Rules outside the WCAG tags that the issue's basics name: landmarks, headings, table headers."""
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "rules": {rule: {"enabled": True} for rule in BEST_PRACTICE},
}
STRUCTURE = """() => {
  const problems = [];
  const where = element => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
    + (element.className && typeof element.className === "string"
       ? "." + element.className.trim().split(/\\s+/).join(".") : "");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(["one-h1", "html", h1 + " h1 elements, not one"]);
  for (const landmark of ["body > header", "header nav", "body > main", "body > footer"]) {
    if (!document.querySelector(landmark)) problems.push(["landmarks", landmark, "missing"]);
  }
  for (const th of document.querySelectorAll("th:not([scope])")) {
    problems.push(["th-scope", where(th), "a table header without scope"]);
  }
  for (const svg of document.querySelectorAll("main svg:not([aria-hidden=true])")) {
    const named = svg.querySelector(":scope > title") || svg.getAttribute("aria-label");
    if (!named) problems.push(["svg-name", where(svg), "a picture without title or aria-label"]);
    const figure = svg.closest("figure, section, div");
    if (svg.matches(".chart") && !(figure && figure.querySelector("table"))) {
      problems.push(["svg-table", where(svg), "a chart without the table of its numbers"]);
    }
  }
  const vague = /^(her|here|klikk her|click here|les mer|read more|mer|more|lenke|link)$/i;
  for (const link of document.querySelectorAll("a[href]")) {
    const text = (link.innerText || link.getAttribute("aria-label") || "").trim();
    if (vague.test(text)) problems.push(["link-text", where(link), "says not where: " + text]);
  }
  return problems;
}"""
AXE = Axe()


@dataclass(frozen=True)
class Invoices:
    waiting: str
    """Awaiting kari's attestation."""
    approved: str
    """Approved, posted and in a payment run."""
    pdf: str
    """A PDF whose invoice number was not found: the desk's uncertain captures."""
    duplicate: str
    """A copy of an earlier invoice: stopped by the checks."""
    run: str


def auth(env: TestEnv, user: str, *roles: str) -> dict[str, str]:
    return token(env, user, *roles, tenant=TENANT)


def status_of(env: TestEnv, invoice_id: str) -> str | None:
    found = httpx.get(
        f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=auth(env, "rita", "auditor"), timeout=10
    )
    return found.json().get("status") if found.status_code == 200 else None


def awaiting(env: TestEnv, invoice_id: str) -> None:
    try:
        wait_for(
            lambda: status_of(env, invoice_id) == "awaiting-approval",
            timeout=90,
            interval=1.0,
            what=f"{invoice_id} awaiting approval",
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}; it is {status_of(env, invoice_id)}") from None


def ehf(number: int, gross: str, supplier: Any = SUPPLIER) -> bytes:
    net = (Decimal(gross) / Decimal("1.25")).quantize(Decimal("0.01"))
    return demo_invoice(number, supplier, lines=(("Skrivebordslamper", net),))


def bring_to_a_run(env: TestEnv, invoice_id: str) -> str:
    """Attested and approved through approval's API, posted, then proposed for payment."""
    awaiting(env, invoice_id)
    for user, role in (("kari", "attestant"), ("ola", "budget-holder")):
        done = httpx.post(
            f"{PORTAL}/api/v1/invoices/{invoice_id}/approve", headers=auth(env, user, role)
        )
        assert done.status_code == 200, done.text
    wait_for(
        lambda: (
            httpx.get(
                f"{PORTAL}/api/v1/payment/items/{invoice_id}", headers=auth(env, "finn", "auditor")
            ).status_code
            == 200
        ),
        timeout=120,
        what=f"{invoice_id} in the payment book",
    )
    horizon = (date.today() + timedelta(days=90)).isoformat()
    run = httpx.post(
        f"{PORTAL}/api/v1/payment-runs",
        headers=auth(env, "finn", "finance-admin"),
        json={"horizon": horizon},
        timeout=30,
    )
    assert run.status_code == 201, run.text
    return str(run.json()["run_id"])


@pytest.fixture(scope="module")
def invoices(system: TestEnv) -> Invoices:
    put_organisation(system, TENANT, ORGANISATION)
    settings = SETTINGS | {"debtor_accounts": SETTINGS["debtor_accounts"][:1]}
    saved = httpx.put(
        f"{PORTAL}/api/v1/payment/settings",
        headers=auth(system, "finn", "finance-admin"),
        json=settings,
        timeout=30,
    )
    assert saved.status_code == 200, saved.text
    waiting = upload(system, ehf(7101, "2750.00"), tenant=TENANT)
    approved = upload(system, ehf(7102, "1437.50"), tenant=TENANT)
    pdf = upload(system, quirky_pdf("BR-000711", 5, Decimal("640")), tenant=TENANT, name="q.pdf")
    lines = (("Kabler", Decimal("3123.00")),)
    first = upload(system, demo_invoice(7201, OTHER_SUPPLIER, lines=lines), tenant=TENANT)
    wait_for(
        lambda: status_of(system, first) not in (None, "received", "captured"),
        timeout=60,
        what=f"{first} checked",
    )
    duplicate = upload(system, demo_invoice(7202, OTHER_SUPPLIER, lines=lines), tenant=TENANT)
    run = bring_to_a_run(system, approved)
    awaiting(system, waiting)
    wait_for(lambda: status_of(system, duplicate) == "flagged", timeout=60, what="the duplicate")
    return Invoices(waiting, approved, pdf, duplicate, run)


# -- axe ----------------------------------------------------------------------------------------


def violations(page: Page, name: str) -> list[str]:
    """axe-core's WCAG A/AA violations on the page as it is, one readable line per element."""
    result = AXE.run(page, options=WCAG_AA).response
    assert result["passes"], f"axe checked nothing on {page.url}"
    lang = page.locator("html").get_attribute("lang")
    found = [
        f"{rule['id']} ({rule['impact']}) on {name} [{lang}] at {', '.join(map(str, node['target']))}"
        f": {rule['help']}"
        for rule in result["violations"]
        for node in rule["nodes"]
    ]
    found += [
        f"{rule} (serious) on {name} [{lang}] at {target}: {why}"
        for rule, target, why in page.evaluate(STRUCTURE)
    ]
    for rule in result["incomplete"]:  # what axe could not decide: printed for a person to look at
        targets = [", ".join(map(str, node["target"])) for node in rule["nodes"]]
        print(f"to review: {rule['id']} on {name} [{lang}] at {'; '.join(targets)}")
    return found


def check_pages(page: Page, pages: dict[str, str]) -> list[str]:
    """Each page in bokmål and in English through axe; every violation found, in one list."""
    found: list[str] = []
    for name, path in pages.items():
        for lang in ("nb", "en"):
            response = page.goto(with_lang(path, lang))
            assert response is not None, path
            expect(page.locator("html")).to_have_attribute("lang", lang)
            found += violations(page, name)
    return found


def checked_as(
    browser: Browser,
    mailbox: Mailbox,
    address: str,
    viewport: dict[str, int],
    pages: dict[str, str],
) -> list[str]:
    """The pages as the person at `address` sees them, through axe."""
    with context(browser, viewport) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, address, tenant=TENANT)
        return check_pages(page, pages)


def assert_none(found: list[str]) -> None:
    assert not found, f"{len(found)} accessibility violations:\n" + "\n".join(found)


# -- the pages ----------------------------------------------------------------------------------


def test_login_pages_have_no_violations(invoices: Invoices, mailbox: Mailbox, browser: Browser):
    found: list[str] = []
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        found += check_pages(page, {"start": "/", "login": "/login"})
        for lang in ("nb", "en"):
            page.goto(f"/login?lang={lang}")
            page.fill("#email", f"nobody-{uuid.uuid4().hex[:6]}@a11y.example")
            page.fill("#tenant", TENANT)
            page.locator("main button[type=submit]").click()
            expect(page.get_by_test_id("link-sent")).to_be_visible()
            found += violations(page, "login sent")
        found += check_pages(page, {"bad link": "/login/link?token=nonsense"})
        page.goto("/login?lang=nb")
        page.fill("#email", REVISOR)
        page.fill("#tenant", TENANT)
        page.locator("main button[type=submit]").click()
        expect(page.get_by_test_id("link-sent")).to_be_visible()
        link = mailbox.next_link(REVISOR)  # opened, not used: the confirmation page
        found += check_pages(page, {"confirm": link[link.index("/login/link") :]})
    assert_none(found)


def test_supplier_pages_have_no_violations(invoices: Invoices, mailbox: Mailbox, browser: Browser):
    found: list[str] = []
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, SIRI, tenant=TENANT)
        wait_for(
            lambda: (
                page.goto("/supplier/invoices")
                and page.locator(f'[data-invoice="{invoices.waiting}"]').count() > 0
            ),
            timeout=60,
            what="the supplier's invoices",
        )
        found += check_pages(
            page,
            {
                "supplier invoices": "/supplier/invoices",
                "supplier invoice": f"/supplier/invoices/{invoices.waiting}",
                "supplier payment": f"/supplier/invoices/{invoices.approved}/payment",
                "upload": "/supplier/upload",
                "guide": "/supplier/guide",
            },
        )
        for path, status in (
            ("/approver/inbox", 403),
            (f"/supplier/invoices/{uuid.uuid4()}", 404),
        ):
            for lang in ("nb", "en"):
                response = page.goto(f"{path}?lang={lang}")
                assert response is not None and response.status == status, path
                found += violations(page, f"error {status}")
    assert_none(found)


def test_approver_pages_on_a_phone_have_no_violations(
    invoices: Invoices, mailbox: Mailbox, browser: Browser
):
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, KARI, tenant=TENANT)
        found = check_pages(
            page,
            {
                "approver inbox": "/approver/inbox",
                "approver invoice": f"/approver/invoices/{invoices.waiting}",
                "approver absence": "/approver/absence",
            },
        )
        # The decision's folded forms (reject, forward, ask, hold, recode) opened, too.
        page.goto(f"/approver/invoices/{invoices.waiting}?lang=nb")
        for summary in page.locator(".actions summary").all():
            summary.click()
        found += violations(page, "approver invoice, forms open")
    assert_none(found)


def test_desk_admin_and_finance_pages_have_no_violations(
    invoices: Invoices, mailbox: Mailbox, browser: Browser
):
    assert_none(
        checked_as(
            browser,
            mailbox,
            FINN,
            DESKTOP,
            {
                "desk queues": "/desk",
                "desk invoice (PDF)": f"/desk/invoices/{invoices.pdf}",
                "desk invoice (duplicate)": f"/desk/invoices/{invoices.duplicate}",
                "desk invoice (awaiting approval)": f"/desk/invoices/{invoices.waiting}",
                "invite": "/suppliers/invite",
                "admin": "/admin",
                "admin users": "/admin/users",
                "admin authority": "/admin/authority",
                **{f"admin {name}": f"/admin/settings/{name}" for name in SECTIONS},
                "cockpit": "/finance/cockpit",
                "payment runs": "/finance/payment-runs",
                "payment run": f"/finance/payment-runs/{invoices.run}",
                "bank files": "/finance/bank",
            },
        )
    )


def test_auditor_pages_have_no_violations(invoices: Invoices, mailbox: Mailbox, browser: Browser):
    pages = {
        "audit invoices": "/audit/invoices",
        "audit invoice": f"/audit/invoices/{invoices.approved}",
        "audit invoice (PDF)": f"/audit/invoices/{invoices.pdf}",
        "error 403": "/desk",
    }
    assert_none(checked_as(browser, mailbox, REVISOR, PHONE, pages))


# -- the keyboard -------------------------------------------------------------------------------


def luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


FOCUS_STYLE = """() => {
  const rgb = text => text.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const element = document.activeElement;
  const style = getComputedStyle(element);
  // The outline is drawn outside the element, on what is behind it.
  let behind = element.parentElement, background = [255, 255, 255];
  while (behind) {
    const colour = rgb(getComputedStyle(behind).backgroundColor);
    if (colour.length < 4 || colour[3] > 0) { background = colour.slice(0, 3); break; }
    behind = behind.parentElement;
  }
  return {
    tag: element.tagName, text: (element.innerText || element.id || "").trim().slice(0, 40),
    visible: element.matches(":focus-visible"), outline: style.outlineStyle,
    width: parseFloat(style.outlineWidth), colour: rgb(style.outlineColor), background,
  };
}"""


def focus_problem(page: Page) -> str | None:
    """What is wrong with how the focused element shows its focus, or None."""
    seen = page.evaluate(FOCUS_STYLE)
    what = f"{seen['tag']} {seen['text']!r} on {page.url}"
    if not seen["visible"] or seen["outline"] in ("none", "hidden") or seen["width"] < 2:
        return f"{what}: no visible focus outline ({seen['outline']} {seen['width']}px)"
    ratio = contrast(tuple(seen["colour"]), tuple(seen["background"]))
    if ratio < 3:
        return f"{what}: focus outline contrast {ratio:.2f}:1 against its background (< 3:1)"
    return None


def tab_to(page: Page, name: str, limit: int = 80) -> list[str]:
    """Tab until the focused element's text is `name`; the focus problems met on the way."""
    problems: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        problem = focus_problem(page)
        if problem:
            problems.append(problem)
        if page.evaluate("document.activeElement.innerText.trim()") == name:
            return problems
    raise AssertionError(f"{name!r} not reached with {limit} tabs on {page.url}")


def test_the_skip_link_is_the_first_tab_stop_and_leads_to_main(
    browser: Browser, invoices: Invoices
):
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        for lang, words in (("nb", "Hopp til innholdet"), ("en", "Skip to content")):
            page.goto(f"/login?lang={lang}")
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "[document.activeElement.className, document.activeElement.innerText]"
            )
            assert focused == ["skip", words], focused
            expect(page.locator("a.skip")).to_be_in_viewport()
            assert focus_problem(page) is None, focus_problem(page)
            snap(page, "keyboard-skip-link")
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "main"
            page.keyboard.press("Tab")  # the next stop is inside main: the first field
            assert page.evaluate("document.activeElement.closest('main') !== null")


def test_focus_is_visible_on_links_buttons_and_inputs(
    invoices: Invoices, mailbox: Mailbox, browser: Browser
):
    """Every tab stop of the login page and of the supplier's upload page, header included."""
    problems: list[str] = []
    kinds: set[str] = set()
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, SIRI, tenant=TENANT)
        for path in ("/login?lang=nb", "/supplier/upload?lang=nb", "/supplier/guide?lang=en"):
            page.goto(path)
            for _ in range(40):
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement === document.body"):
                    break
                kinds.add(page.evaluate("document.activeElement.tagName"))
                problem = focus_problem(page)
                if problem:
                    problems.append(problem)
    assert {"A", "BUTTON", "INPUT"} <= kinds, kinds
    assert not problems, "\n".join(problems)


def test_an_approver_approves_with_the_keyboard_alone_on_a_phone(
    system: TestEnv, invoices: Invoices, mailbox: Mailbox, browser: Browser
):
    with context(browser, PHONE) as ctx:
        page = ctx.new_page()
        log_in(page, mailbox, KARI, tenant=TENANT)
        page.goto("/approver/inbox?lang=nb")
        card = page.locator(f'[data-invoice="{invoices.waiting}"] a')
        problems = tab_to(page, card.inner_text().strip())
        page.keyboard.press("Enter")
        expect(page).to_have_url(
            f"{page.url.split('/approver')[0]}/approver/invoices/{invoices.waiting}"
        )
        problems += tab_to(page, "Godkjenn")
        snap(page, "keyboard-approve")
        page.keyboard.press("Enter")
        expect(page.locator(".flash")).to_have_text("Godkjent.")
        assert not problems, "\n".join(problems)
    case = httpx.get(
        f"{PORTAL}/api/v1/invoices/{invoices.waiting}/approval",
        headers=auth(system, "rita", "auditor"),
        timeout=10,
    ).json()
    assert case["steps"][0]["approved_by"] == "kari"
