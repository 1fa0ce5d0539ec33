"""The portal's start page (bokmål first, English one click away). The full UI is issue #8."""

from __future__ import annotations

from html import escape

TEXT = {
    "nb": {
        "title": "Fakturaportal",
        "lead": "Leverandørfakturaer fra mottak til betaling, med fullt revisjonsspor.",
        "login": "Innlogging i lokal modus: hent et token med",
        "api": "API-dokumentasjon",
        "switch": "English",
        "other": "en",
    },
    "en": {
        "title": "Fakturaportal",
        "lead": "Supplier invoices from receipt to payment, with a complete audit trail.",
        "login": "Logging in locally: get a token with",
        "api": "API documentation",
        "switch": "Norsk (bokmål)",
        "other": "nb",
    },
}


def index_page(lang: str, public_url: str) -> str:
    t = TEXT.get(lang, TEXT["nb"])
    code = "fakturaportal dev-token --tenant demo --user anne --role accountant"
    return f"""<!doctype html>
<html lang="{"en" if lang == "en" else "nb"}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t["title"]}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;
padding:0 1rem;color:#1a1a1a}}
code{{background:#f1f1f1;padding:.1rem .3rem}} a{{color:#0b4f9c}}</style></head>
<body><header><h1>{t["title"]}</h1></header>
<main><p>{t["lead"]}</p>
<p>{t["login"]} <code>{escape(code)}</code></p>
<p><a href="{escape(public_url)}/docs">{t["api"]}</a></p></main>
<footer><a href="?lang={t["other"]}" hreflang="{t["other"]}">{t["switch"]}</a></footer>
</body></html>
"""
