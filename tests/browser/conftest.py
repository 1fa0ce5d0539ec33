"""Browser tests: Debian's Chromium, headless, driven by Playwright against the e2e system.

Playwright never downloads a browser here: it launches `/usr/bin/chromium` (or
`FP_CHROMIUM`), which `deploy/local/install-system.sh` installs. Without it the tests fail
with a message, never skip. Screenshots go to `FP_SCREENSHOTS_DIR` (default
`.data/screenshots/`); `make screenshots` writes the README's into `docs/screenshots/`.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from fakturaportal.demo import SUPPLIERS
from fakturaportal.settings import REPO_ROOT
from tests.e2e.system import PORT_BASE, PORTAL, token
from tests.infra import TestEnv, wait_for

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("FP_CHROMIUM", "/usr/bin/chromium"))
SHOTS = Path(os.environ.get("FP_SCREENSHOTS_DIR", REPO_ROOT / ".data" / "screenshots"))
BASE = f"http://localhost:{PORT_BASE}"
"""As the login links name the portal (FP_PORTAL_PUBLIC_URL), so the cookies are the same."""
TENANT = "portal-e2e"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1024, "height": 768}
SUPPLIER, OTHER_SUPPLIER = SUPPLIERS
KARI = "kari@portal.example"
OLA = "ola@portal.example"
SIRI = "siri@kontorrekvisita.example"
STIAN = "stian@stromoglys.example"

ORGANISATION: dict[str, Any] = {
    "users": [
        {"id": "anne", "name": "Anne Berg", "roles": ["accountant"]},
        {"id": "kari", "name": "Kari Nordmann", "roles": ["attestant"], "email": KARI},
        {"id": "mona", "name": "Mona Lie", "roles": ["attestant"]},
        {"id": "ola", "name": "Ola Hansen", "roles": ["budget-holder"], "email": OLA},
        {"id": "finn", "roles": ["finance-admin"]},
        {
            "id": "siri",
            "name": "Siri Dahl",
            "roles": ["supplier-contact"],
            "email": SIRI,
            "supplier_orgnrs": [SUPPLIER.orgnr],
        },
        {
            "id": "stian",
            "roles": ["supplier-contact"],
            "email": STIAN,
            "supplier_orgnrs": [OTHER_SUPPLIER.orgnr],
        },
    ],
    "authority": [{"role": "budget-holder", "max_amount": "100000", "user": "ola"}],
    "routing": {"ap_inbox": "kari"},
}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package "
            "(deploy/local/install-system.sh does) or set FP_CHROMIUM; the browser tests never "
            "download a browser"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def org(system: TestEnv) -> TestEnv:
    """The browser tests' tenant: staff with e-mail addresses, two suppliers' contacts."""
    finn = token(system, "finn", "finance-admin", tenant=TENANT)
    for section in ("users", "authority", "routing"):
        response = httpx.put(
            f"{PORTAL}/api/v1/approval/organisation/{section}",
            headers=finn,
            json=ORGANISATION[section],
            timeout=30,
        )
        assert response.status_code == 200, response.text
    return system


def context(browser: Browser, viewport: dict[str, int], locale: str = "nb-NO") -> BrowserContext:
    made = browser.new_context(viewport=viewport, locale=locale, base_url=BASE)
    made.set_default_timeout(20_000)
    return made


class Mailbox:
    """The login links the portal wrote to its local mail folder, each taken once."""

    def __init__(self, env: TestEnv) -> None:
        self.folder = env.data_dir / "mail-outbox" / "portal"
        self.taken: set[str] = set()

    def links_to(self, address: str) -> list[str]:
        found = []
        for path in sorted(self.folder.glob("*.eml")) if self.folder.exists() else []:
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if str(message["To"]) != address:
                continue
            body = message.get_body(("plain",))
            assert body is not None
            found += re.findall(r"https?://\S+/login/link\?\S+", body.get_content())
        return [link for link in dict.fromkeys(found) if link not in self.taken]

    def next_link(self, address: str) -> str:
        link: str = wait_for(
            lambda: self.links_to(address), timeout=30, what=f"a link to {address}"
        )[0]
        self.taken.add(link)
        return link


@pytest.fixture(scope="session")
def mailbox(org: TestEnv) -> Mailbox:
    return Mailbox(org)


def log_in(
    page: Page,
    mailbox: Mailbox,
    address: str,
    lang: str = "nb",
    shots: bool = False,
    tenant: str = TENANT,
) -> None:
    """Ask for a link, read it from the mail folder, follow it and confirm."""
    page.goto(f"/login?lang={lang}")
    page.fill("#email", address)
    page.fill("#tenant", tenant)
    if shots:
        snap(page, "login")
    page.locator("main button[type=submit]").click()
    expect(page.get_by_test_id("link-sent")).to_be_visible()
    if shots:
        snap(page, "login-sent")
    page.goto(mailbox.next_link(address))
    if shots:
        snap(page, "login-confirm")
    page.locator("main button[type=submit]").click()
    expect(page.locator("form.logout")).to_be_visible()


def with_lang(url: str, lang: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | {"lang": lang}
    query.pop("done", None)
    return f"{parts.path}?{urlencode(query)}"


def snap(page: Page, name: str) -> Path:
    """A screenshot of what the viewport shows, in the page's language, kept small (64 colours)."""
    lang = page.locator("html").get_attribute("lang")
    assert lang in ("nb", "en")
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}-{lang}.png"
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    image.quantize(colors=64).save(path, optimize=True)
    return path


def in_both_languages(page: Page, name: str, expected: dict[str, str]) -> None:
    """The page in bokmål and in English (the switch link on the page), a screenshot of each;
    `expected` is a word per language that must be there. Ends in bokmål."""
    for lang in ("nb", "en"):
        page.goto(with_lang(page.url, lang))
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("main")).to_contain_text(expected[lang])
        switch = page.get_by_test_id("switch-language")
        expect(switch).to_have_attribute("hreflang", "en" if lang == "nb" else "nb")
        snap(page, name)
    page.goto(with_lang(page.url, "nb"))


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"  # type: ignore[index]


def reload_until(page: Page, locator: str, timeout: float = 90) -> None:
    """Reload until the element is there: the projection follows the events a moment later."""

    def there() -> bool:
        page.reload()
        return page.locator(locator).count() > 0

    wait_for(there, timeout=timeout, interval=1.0, what=f"{locator} on {page.url}")


def approval_case(env: TestEnv, invoice_id: str, until: Any = None) -> dict[str, Any]:
    headers = token(env, "audun", "auditor", tenant=TENANT)

    def found() -> dict[str, Any] | None:
        response = httpx.get(
            f"{PORTAL}/api/v1/invoices/{invoice_id}/approval", headers=headers, timeout=10
        )
        body: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        return body if body is not None and (until is None or until(body)) else None

    case: dict[str, Any] = wait_for(found, timeout=90, what=f"the approval case of {invoice_id}")
    return case
