"""Bokmål first, English one click away: the UI's words, and which language a request gets.

The language comes from `?lang=` (remembered in a cookie), else that cookie, else the browser's
Accept-Language, else bokmål. Every key exists in both languages (a unit test holds this).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.portal.web import words_admin, words_desk, words_finance, words_mail

LANGUAGES = ("nb", "en")
DEFAULT = "nb"
COOKIE = "fp_lang"
_NORWEGIAN = ("nb", "no", "nn")

Translate = Callable[..., str]

CATALOGUE: dict[str, dict[str, str]] = {
    "nb": {
        "skip": "Hopp til innholdet",
        "nav.label": "Hovedmeny",
        "nav.my_invoices": "Mine fakturaer",
        "nav.upload": "Send faktura",
        "nav.inbox": "Innboks",
        "nav.absence": "Fravær",
        "switch": "English",
        "logout": "Logg ut",
        "signed_in_as": "Innlogget som",
        "footer": "Fakturaportal – leverandørfakturaer fra mottak til betaling.",
        "login.title": "Logg inn",
        "login.lead": "Skriv e-postadressen din, så sender vi deg en innloggingslenke.",
        "login.email": "E-postadresse",
        "login.tenant": "Kunde (virksomhet)",
        "login.tenant_hint": "Virksomheten du sender fakturaer til eller jobber for.",
        "login.submit": "Send lenke",
        "login.sent_title": "Sjekk e-posten din",
        "login.sent": (
            "Hvis adressen er registrert hos {tenant}, har vi sendt en lenke til {email}. "
            "Den virker én gang i {minutes} minutter."
        ),
        "login.confirm_title": "Logg inn",
        "login.confirm": "Logg inn som {email} hos {tenant}.",
        "login.confirm_submit": "Logg inn",
        "login.bad_link": "Lenken er utløpt, brukt eller ugyldig. Be om en ny.",
        "login.again": "Be om en ny lenke",
        "login.idp": "Bedrifter med egen innlogging (Entra ID, ID-porten) logger inn der.",
        "login.sso": "Logg inn med {label}",
        "login.sso_expired": "Innloggingen tok for lang tid eller ble startet et annet sted. "
        "Prøv igjen.",
        "login.sso_refused": "Innloggingen ble ikke godtatt. Prøv igjen, eller be om en lenke.",
        "login.sso_unknown": "Du er ikke registrert hos denne virksomheten. Spør den som "
        "administrerer Fakturaportal der.",
        "mail.subject": "Innlogging til Fakturaportal / Log in to Fakturaportal",
        "home.title": "Fakturaportal",
        "home.lead": "Leverandørfakturaer fra mottak til betaling, med fullt revisjonsspor.",
        "home.login": "Logg inn",
        "home.api": "API-dokumentasjon",
        "error.403.title": "Ingen tilgang",
        "error.403": "Denne siden er ikke for deg.",
        "error.404.title": "Finnes ikke",
        "error.404": "Vi finner ikke det du ba om.",
        "error.404.just_sent": "Sendte du den akkurat nå? Den dukker opp her om noen sekunder.",
        "error.csrf": (
            "Skjemaet manglet sikkerhetsnøkkelen. Gå tilbake, last siden på nytt og prøv igjen."
        ),
        "error.502.title": "Tjenesten svarer ikke",
        "error.502": "En av tjenestene svarer ikke akkurat nå. Prøv igjen om litt.",
        "error.home": "Til forsiden",
        "error.413.title": "For stor",
        "error.413": "Filen er for stor.",
        "refused": "Ikke utført: {reason}",
        "page.nav": "Sider",
        "page.showing_of": "Viser {first}–{last} av {total}",
        "page.showing": "Viser {first}–{last}",
        "page.next": "Neste side",
        "page.first": "Til første side",
        "field.number": "Fakturanr.",
        "field.supplier": "Leverandør",
        "field.orgnr": "Org.nr.",
        "field.amount": "Beløp",
        "field.vat": "Herav mva.",
        "field.issue_date": "Fakturadato",
        "field.due_date": "Forfall",
        "field.status": "Status",
        "field.kid": "KID",
        "field.account": "Konto",
        "field.buyer_reference": "Deres ref.",
        "field.order": "Bestilling",
        "field.terms": "Betalingsbetingelser",
        "field.updated": "Sist endret",
        "supplier.title": "Mine fakturaer",
        "supplier.lead": (
            "Fakturaene dere har sendt til {tenant}, og hvor langt hver av dem har kommet."
        ),
        "supplier.none": "Ingen fakturaer ennå.",
        "supplier.upload_link": "Send en ny faktura eller kreditnota",
        "supplier.invoice_title": "Faktura {number}",
        "supplier.timeline": "Hvor fakturaen er",
        "supplier.why_rejected": "Hvorfor den ble avvist",
        "supplier.how_to_fix": (
            "Rett feilene og send fakturaen på nytt. Den avviste fakturaen er ikke bokført, "
            "så samme fakturanummer kan brukes."
        ),
        "supplier.disputed": "{tenant} har bestridt fakturaen: «{reason}»",
        "supplier.disputed_fix": (
            "Svar i meldingene under, eller send en kreditnota og eventuelt en ny faktura."
        ),
        "supplier.comments": "Meldinger",
        "supplier.comments_later": "Meldinger kan skrives når fakturaen er til godkjenning.",
        "supplier.no_comments": "Ingen meldinger ennå.",
        "supplier.write": "Skriv en melding",
        "supplier.send": "Send melding",
        "done.comment": "Meldingen er sendt.",
        "upload.title": "Send faktura eller kreditnota",
        "upload.lead": (
            "EHF (XML) er best. PDF med tekst, skannet PDF og bilder (JPEG, PNG) går også. "
            "Kreditnota sendes på samme måte."
        ),
        "upload.file": "Fil (EHF XML, PDF, JPEG eller PNG)",
        "upload.submit": "Send",
        "done.uploaded": "Mottatt. Fakturaen kontrolleres nå.",
        "done.duplicate": "Denne filen er mottatt før; her er den.",
        "stage.received": "Mottatt",
        "stage.checking": "Kontrolleres",
        "stage.approval": "Til godkjenning",
        "stage.approved": "Godkjent",
        "stage.scheduled": "Betaling planlagt",
        "stage.scheduled_on": "Betaling planlagt {date}",
        "stage.paid": "Betalt",
        "stage.paid_on": "Betalt {date}",
        "stage.rejected": "Avvist",
        "stage.disputed": "Bestridt",
        "stage.done": "fullført",
        "stage.current": "nå",
        "inbox.title": "Innboks",
        "inbox.lead": "Fakturaer som venter på deg, de mest hastende først.",
        "inbox.none": "Ingenting venter på deg.",
        "inbox.count": "{count} venter",
        "inbox.on_behalf": "for {user}",
        "inbox.escalated": "eskalert til deg",
        "inbox.held": "på vent til {date}",
        "inbox.discount": "Kontantrabatt {percent} % ({amount}) ved betaling innen {date}",
        "priority.overdue": "Forfalt",
        "priority.discount": "Rabatt i fare",
        "priority.due-soon": "Forfaller snart",
        "priority.normal": "Normal",
        "kind.attestation": "Attestasjon",
        "kind.budget": "Budsjettgodkjenning",
        "kind.second-level": "Ekstra godkjenning",
        "case.open": "Venter på godkjenning",
        "case.approved": "Godkjent",
        "case.disputed": "Bestridt",
        "case.unrouted": "Venter på fordeling",
        "decide.original": "Originalen",
        "decide.original_alt": "Første side av fakturaen fra {supplier}",
        "decide.download": "Last ned originalen",
        "decide.lines": "Linjer",
        "decide.description": "Beskrivelse",
        "decide.quantity": "Antall",
        "decide.net": "Netto",
        "decide.coding": "Foreslått kontering",
        "decide.confidence": "Sikkerhet {percent} %",
        "decide.why": "Hvorfor",
        "decide.no_coding": "Ingen konteringsforslag ennå.",
        "decide.po": "Bestilling",
        "decide.po_match": "Matchet mot {order} ({mode}), eier {owner}.",
        "decide.po_within": "Innenfor toleransen.",
        "decide.po_outside": "Utenfor toleransen.",
        "decide.po_none": "Ingen bestilling knyttet til fakturaen.",
        "decide.deviation": "{rule}: {what}",
        "decide.steps": "Godkjenningssteg",
        "decide.step_done": "godkjent av {user}",
        "decide.step_waiting": "venter på {user}",
        "decide.earlier": "Tidligere fakturaer fra leverandøren",
        "decide.no_earlier": "Ingen tidligere fakturaer.",
        "decide.warnings": "Merknader",
        "decide.comments": "Kommentarer",
        "decide.no_comments": "Ingen kommentarer.",
        "decide.approve": "Godkjenn",
        "decide.reject": "Avvis",
        "decide.reason": "Begrunnelse (leverandøren får den)",
        "decide.forward": "Videresend",
        "decide.to": "Til (bruker-id)",
        "decide.note": "Melding",
        "decide.ask": "Still et spørsmål",
        "decide.question": "Spørsmål",
        "decide.question_to": "Til (bruker-id, eller «supplier» for leverandøren)",
        "decide.hold": "Sett på vent",
        "decide.until": "Til og med dato",
        "decide.hold_reason": "Hvorfor (valgfritt)",
        "decide.recode": "Endre kontering",
        "decide.account": "Konto",
        "decide.vat_code": "Mva-kode",
        "decide.department": "Avdeling",
        "decide.project": "Prosjekt",
        "decide.save": "Lagre",
        "decide.send": "Send",
        "decide.line": "Linje {n}",
        "decide.held": "På vent til {date}.",
        "decide.disputed": "Avvist av {user}: {reason}",
        "decide.legacy": "Saken er fra før godkjenningsflyten, og kan bare leses.",
        "done.approved": "Godkjent.",
        "done.rejected": "Avvist. Leverandøren får beskjed.",
        "done.forwarded": "Videresendt.",
        "done.asked": "Spørsmålet er sendt.",
        "done.held": "Satt på vent.",
        "done.recoded": "Konteringen er endret.",
        "done.absence": "Fraværet er lagret.",
        "done.absence_cleared": "Fraværet er fjernet.",
        "absence.title": "Fravær og stedfortreder",
        "absence.lead": "Mens du er borte, kan stedfortrederen din godkjenne på dine vegne.",
        "absence.current": "Registrert fravær",
        "absence.none": "Du har ikke registrert fravær.",
        "absence.row": "{substitute} fra {start} til {end}",
        "absence.substitute": "Stedfortreder (bruker-id)",
        "absence.from": "Fra dato",
        "absence.to": "Til og med dato",
        "absence.save": "Lagre fravær",
        "absence.clear": "Fjern fravær",
        "comment.by_supplier": "leverandøren",
        "comment.internal": "intern",
        "comment.to_supplier": "synlig for leverandøren",
        "comment.question_to": "spørsmål til {user}",
    },
    "en": {
        "skip": "Skip to content",
        "nav.label": "Main menu",
        "nav.my_invoices": "My invoices",
        "nav.upload": "Send an invoice",
        "nav.inbox": "Inbox",
        "nav.absence": "Absence",
        "switch": "Norsk",
        "logout": "Log out",
        "signed_in_as": "Signed in as",
        "footer": "Fakturaportal – supplier invoices from receipt to payment.",
        "login.title": "Log in",
        "login.lead": "Enter your e-mail address and we will send you a login link.",
        "login.email": "E-mail address",
        "login.tenant": "Customer (organisation)",
        "login.tenant_hint": "The organisation you send invoices to or work for.",
        "login.submit": "Send link",
        "login.sent_title": "Check your e-mail",
        "login.sent": (
            "If the address is registered with {tenant}, we have sent a link to {email}. "
            "It works once, for {minutes} minutes."
        ),
        "login.confirm_title": "Log in",
        "login.confirm": "Log in as {email} at {tenant}.",
        "login.confirm_submit": "Log in",
        "login.bad_link": "The link has expired, been used or is not valid. Ask for a new one.",
        "login.again": "Ask for a new link",
        "login.idp": "Organisations with their own sign-in (Entra ID, ID-porten) log in there.",
        "login.sso": "Log in with {label}",
        "login.sso_expired": "The login took too long or was started elsewhere. Try again.",
        "login.sso_refused": "The login was not accepted. Try again, or ask for a link.",
        "login.sso_unknown": "You are not registered with this organisation. Ask whoever "
        "administers Fakturaportal there.",
        "mail.subject": "Innlogging til Fakturaportal / Log in to Fakturaportal",
        "home.title": "Fakturaportal",
        "home.lead": "Supplier invoices from receipt to payment, with a complete audit trail.",
        "home.login": "Log in",
        "home.api": "API documentation",
        "error.403.title": "No access",
        "error.403": "This page is not for you.",
        "error.404.title": "Not found",
        "error.404": "We cannot find what you asked for.",
        "error.404.just_sent": "Did you just send it? It shows up here in a few seconds.",
        "error.csrf": (
            "The form's security token was missing. Go back, reload the page and try again."
        ),
        "error.502.title": "A service is not answering",
        "error.502": "One of the services is not answering right now. Try again shortly.",
        "error.home": "To the start page",
        "error.413.title": "Too large",
        "error.413": "The file is too large.",
        "refused": "Not done: {reason}",
        "page.nav": "Pages",
        "page.showing_of": "Showing {first}–{last} of {total}",
        "page.showing": "Showing {first}–{last}",
        "page.next": "Next page",
        "page.first": "Back to the first page",
        "field.number": "Invoice no.",
        "field.supplier": "Supplier",
        "field.orgnr": "Org. no.",
        "field.amount": "Amount",
        "field.vat": "Of which VAT",
        "field.issue_date": "Invoice date",
        "field.due_date": "Due",
        "field.status": "Status",
        "field.kid": "KID",
        "field.account": "Account",
        "field.buyer_reference": "Your ref.",
        "field.order": "Order",
        "field.terms": "Payment terms",
        "field.updated": "Last change",
        "supplier.title": "My invoices",
        "supplier.lead": "The invoices you have sent to {tenant}, and how far each has come.",
        "supplier.none": "No invoices yet.",
        "supplier.upload_link": "Send a new invoice or credit note",
        "supplier.invoice_title": "Invoice {number}",
        "supplier.timeline": "Where the invoice is",
        "supplier.why_rejected": "Why it was rejected",
        "supplier.how_to_fix": (
            "Correct the errors and send the invoice again. The rejected invoice is not booked, "
            "so the same invoice number may be used."
        ),
        "supplier.disputed": "{tenant} has disputed the invoice: “{reason}”",
        "supplier.disputed_fix": (
            "Answer in the messages below, or send a credit note and, if needed, a new invoice."
        ),
        "supplier.comments": "Messages",
        "supplier.comments_later": "Messages can be written once the invoice awaits approval.",
        "supplier.no_comments": "No messages yet.",
        "supplier.write": "Write a message",
        "supplier.send": "Send message",
        "done.comment": "The message has been sent.",
        "upload.title": "Send an invoice or credit note",
        "upload.lead": (
            "EHF (XML) is best. PDF with text, scanned PDF and pictures (JPEG, PNG) work too. "
            "A credit note is sent the same way."
        ),
        "upload.file": "File (EHF XML, PDF, JPEG or PNG)",
        "upload.submit": "Send",
        "done.uploaded": "Received. The invoice is being checked now.",
        "done.duplicate": "This file was received before; here it is.",
        "stage.received": "Received",
        "stage.checking": "Being checked",
        "stage.approval": "Awaiting approval",
        "stage.approved": "Approved",
        "stage.scheduled": "Payment scheduled",
        "stage.scheduled_on": "Payment scheduled for {date}",
        "stage.paid": "Paid",
        "stage.paid_on": "Paid {date}",
        "stage.rejected": "Rejected",
        "stage.disputed": "Disputed",
        "stage.done": "done",
        "stage.current": "now",
        "inbox.title": "Inbox",
        "inbox.lead": "Invoices waiting for you, the most urgent first.",
        "inbox.none": "Nothing is waiting for you.",
        "inbox.count": "{count} waiting",
        "inbox.on_behalf": "for {user}",
        "inbox.escalated": "escalated to you",
        "inbox.held": "on hold until {date}",
        "inbox.discount": "Cash discount {percent} % ({amount}) if paid by {date}",
        "priority.overdue": "Overdue",
        "priority.discount": "Discount at risk",
        "priority.due-soon": "Due soon",
        "priority.normal": "Normal",
        "kind.attestation": "Attestation",
        "kind.budget": "Budget approval",
        "kind.second-level": "Further approval",
        "case.open": "Awaiting approval",
        "case.approved": "Approved",
        "case.disputed": "Disputed",
        "case.unrouted": "Awaiting routing",
        "decide.original": "The original",
        "decide.original_alt": "First page of the invoice from {supplier}",
        "decide.download": "Download the original",
        "decide.lines": "Lines",
        "decide.description": "Description",
        "decide.quantity": "Quantity",
        "decide.net": "Net",
        "decide.coding": "Suggested coding",
        "decide.confidence": "Confidence {percent} %",
        "decide.why": "Why",
        "decide.no_coding": "No coding suggested yet.",
        "decide.po": "Purchase order",
        "decide.po_match": "Matched to {order} ({mode}), owner {owner}.",
        "decide.po_within": "Within tolerance.",
        "decide.po_outside": "Outside tolerance.",
        "decide.po_none": "No purchase order linked to the invoice.",
        "decide.deviation": "{rule}: {what}",
        "decide.steps": "Approval steps",
        "decide.step_done": "approved by {user}",
        "decide.step_waiting": "waiting for {user}",
        "decide.earlier": "Earlier invoices from the supplier",
        "decide.no_earlier": "No earlier invoices.",
        "decide.warnings": "Remarks",
        "decide.comments": "Comments",
        "decide.no_comments": "No comments.",
        "decide.approve": "Approve",
        "decide.reject": "Reject",
        "decide.reason": "Reason (the supplier gets it)",
        "decide.forward": "Forward",
        "decide.to": "To (user id)",
        "decide.note": "Note",
        "decide.ask": "Ask a question",
        "decide.question": "Question",
        "decide.question_to": "To (user id, or “supplier” for the supplier)",
        "decide.hold": "Put on hold",
        "decide.until": "Until (date)",
        "decide.hold_reason": "Why (optional)",
        "decide.recode": "Change the coding",
        "decide.account": "Account",
        "decide.vat_code": "VAT code",
        "decide.department": "Department",
        "decide.project": "Project",
        "decide.save": "Save",
        "decide.send": "Send",
        "decide.line": "Line {n}",
        "decide.held": "On hold until {date}.",
        "decide.disputed": "Rejected by {user}: {reason}",
        "decide.legacy": "This case predates the approval flow and is read-only.",
        "done.approved": "Approved.",
        "done.rejected": "Rejected. The supplier is told.",
        "done.forwarded": "Forwarded.",
        "done.asked": "The question has been sent.",
        "done.held": "Put on hold.",
        "done.recoded": "The coding has been changed.",
        "done.absence": "Your absence has been saved.",
        "done.absence_cleared": "Your absence has been removed.",
        "absence.title": "Absence and substitute",
        "absence.lead": "While you are away, your substitute may approve on your behalf.",
        "absence.current": "Absence registered",
        "absence.none": "You have registered no absence.",
        "absence.row": "{substitute} from {start} to {end}",
        "absence.substitute": "Substitute (user id)",
        "absence.from": "From (date)",
        "absence.to": "Until (date)",
        "absence.save": "Save absence",
        "absence.clear": "Remove absence",
        "comment.by_supplier": "the supplier",
        "comment.internal": "internal",
        "comment.to_supplier": "visible to the supplier",
        "comment.question_to": "question to {user}",
    },
}

CATALOGUE = {
    lang: words
    | words_desk.WORDS[lang]
    | words_finance.WORDS[lang]
    | words_mail.WORDS[lang]
    | words_admin.WORDS[lang]
    for lang, words in CATALOGUE.items()
}


def translator(lang: str) -> Translate:
    words = CATALOGUE[lang if lang in LANGUAGES else DEFAULT]

    def t(key: str, **values: Any) -> str:
        text = words.get(key, key)
        return text.format(**values) if values else text

    return t


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """`?lang=`, else the cookie, else the browser's preference, else bokmål."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice
    return from_accept_language(accept_language or "")


def from_accept_language(header: str) -> str:
    """The first of bokmål (nb, no, nn) or English in the browser's order of preference."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if quality > 0 and (primary in _NORWEGIAN or primary == "en"):
            ranked.append((-quality, position, "nb" if primary in _NORWEGIAN else "en"))
    return min(ranked)[2] if ranked else DEFAULT
