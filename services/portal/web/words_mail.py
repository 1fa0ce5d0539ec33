"""Words of the e-mails to people (`notify.*`), the supplier invitation (`invite.*`) and the
guide for new suppliers (`guide.*`), bokmål and English. Merged into `i18n.CATALOGUE`, so the
mails and the pages share the supplier pages' words (`stage.*`, `supplier.how_to_fix` …)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "nb": {
        "notify.hello": "Hei {name},",
        "notify.hello_anonymous": "Hei,",
        "notify.no_number": "(uten nummer)",
        "notify.invoice": "faktura",
        "notify.credit-note": "kreditnota",
        "notify.what": "{document} {number} fra {seller} på {amount}",
        "notify.open": "Se den i Fakturaportal",
        "notify.signature": "Vennlig hilsen\n{tenant} (sendt automatisk av Fakturaportal)",
        "notify.why_supplier": (
            "Du får denne e-posten fordi du er registrert som kontaktperson for {seller} hos "
            "{tenant}."
        ),
        "notify.why_approver": (
            "Du får denne e-posten fordi steget er tildelt deg, en gruppe du er med i, eller "
            "noen du er stedfortreder for."
        ),
        "notify.received.subject": "Mottatt: {document} {number} til {tenant}",
        "notify.received.lead": "Vi har mottatt {what}.",
        "notify.received.next": (
            "Den kontrolleres nå og går deretter til godkjenning. Du får en e-post når den er "
            "betalt, eller om noe må rettes."
        ),
        "notify.rejected.subject": "Avvist: {document} {number} til {tenant}",
        "notify.rejected.lead": "Vi kunne ikke ta imot {what}.",
        "notify.paid.subject": "Betalt: {document} {number} til {tenant}",
        "notify.paid.lead": "{tenant} har betalt {what}.",
        "notify.paid.booked": "Betalingen er bokført i banken {date}: {amount}.",
        "notify.task.subject": "Venter på deg: faktura {number} fra {seller}",
        "notify.task.lead": "{what} venter på din {step}.",
        "notify.task.due_date": "Forfallsdato: {date}.",
        "notify.task.remind": "Har ingen gjort noe innen {at}, sender vi en påminnelse.",
        "notify.task.act": "Godkjenn, avvis eller videresend den",
        "notify.step.attestation": "attestasjon",
        "notify.step.budget": "budsjettgodkjenning (anvisning)",
        "notify.step.second-level": "ekstra godkjenning",
        "notify.step.routing": "fordeling (ingen kan ta den ennå)",
        "invite.subject": "Invitasjon: følg fakturaene dine til {tenant}",
        "invite.lead": (
            "{inviter} hos {tenant} har invitert deg til Fakturaportal. Der ser du fakturaene "
            "dere har sendt til {tenant} og hvor langt hver har kommet: mottatt, til godkjenning, "
            "godkjent, betaling planlagt, betalt, eller avvist med grunnen og hvordan du retter "
            "den."
        ),
        "invite.link": "Logg inn første gang med denne lenken. Den virker én gang, i {days} dager:",
        "invite.later": "Senere logger du inn på {url} med e-postadressen din.",
        "invite.why": (
            "Du får denne e-posten fordi {inviter} hos {tenant} har registrert adressen din som "
            "kontaktperson for en leverandør."
        ),
        "invite.title": "Inviter en leverandør",
        "invite.page_lead": (
            "Leverandørens kontaktperson får en e-post med en innloggingslenke og en kort "
            "veiledning om hvordan de sender fakturaer til {tenant}. De ser bare fakturaene fra "
            "sitt eget organisasjonsnummer."
        ),
        "invite.email": "Kontaktpersonens e-postadresse",
        "invite.name": "Navn (valgfritt)",
        "invite.orgnr": "Leverandørens organisasjonsnummer",
        "invite.orgnr_hint": "9 sifre, for eksempel 923609016.",
        "invite.language": "Språk i e-postene",
        "invite.language_nb": "Bokmål",
        "invite.language_en": "Engelsk",
        "invite.submit": "Send invitasjon",
        "invite.sent": "Invitasjonen er sendt til {email}.",
        "invite.bad_email": "Skriv en gyldig e-postadresse.",
        "invite.bad_orgnr": "Organisasjonsnummeret må ha 9 sifre og gyldig kontrollsiffer.",
        "invite.not_sent": (
            "Kontaktpersonen er registrert, men e-posten kunne ikke sendes. Prøv igjen om litt."
        ),
        "invite.preview": "Se veiledningen leverandøren får",
        "nav.invite": "Inviter leverandør",
        "nav.guide": "Veiledning",
        "guide.title": "Slik sender du fakturaer til {tenant}",
        "guide.lead": (
            "Send helst EHF. Vi tar også imot PDF. Uansett kanal ser du fakturaen her i portalen "
            "med en gang den er mottatt."
        ),
        "guide.channels": "Tre måter å sende på",
        "guide.ehf_title": "EHF via Peppol (best)",
        "guide.ehf": (
            "Send EHF-faktura (Peppol BIS Billing 3.0) fra fakturasystemet ditt til "
            "organisasjonsnummeret til {tenant} i Peppol (ELMA, skjema 0192). Den leses "
            "automatisk og kontrolleres mot de offisielle reglene."
        ),
        "guide.upload_title": "Last opp i portalen",
        "guide.upload": (
            "Under «Send faktura» laster du opp EHF (XML), PDF eller et bilde (JPEG, PNG). "
            "Kreditnota sendes på samme måte."
        ),
        "guide.mail_title": "E-post",
        "guide.mail": (
            "Send PDF eller EHF som vedlegg til {address}. Én faktura per vedlegg; teksten i "
            "e-posten leses ikke."
        ),
        "guide.fields_title": "Dette må stå på fakturaen",
        "guide.fields_lead": (
            "Mangler noe av dette, blir fakturaen avvist, og du får en e-post med regelen og "
            "hvordan du retter den."
        ),
        "guide.field_orgnr": (
            "Organisasjonsnummeret ditt (9 sifre), og er dere mva-registrert: NO + "
            "organisasjonsnummer + MVA (regel NO-R-001)."
        ),
        "guide.field_number": "Et fakturanummer som er unikt hos dere (BR-02).",
        "guide.field_dates": "Fakturadato (BR-03) og forfallsdato eller betalingsbetingelser.",
        "guide.field_payment": (
            "KID hvis vi skal bruke det, ellers bankkontonummeret (11 sifre) eller IBAN."
        ),
        "guide.field_reference": (
            "Deres ref. (navnet på den som bestilte hos oss) eller bestillingsnummeret vårt "
            "(PEPPOL-EN16931-R003). Da kommer fakturaen raskt til rett person."
        ),
        "guide.field_vat": (
            "Merverdiavgift per sats (25, 15, 12 eller 0 %) og totalbeløp med og uten mva, som "
            "går opp (BR-CO-15)."
        ),
        "guide.after_title": "Etterpå",
        "guide.after": (
            "Du får en e-post når fakturaen er mottatt, om den avvises, og når den er betalt. "
            "Spørsmål om en faktura skriver du i meldingene på fakturaen."
        ),
        "guide.to_invoices": "Til mine fakturaer",
    },
    "en": {
        "notify.hello": "Hello {name},",
        "notify.hello_anonymous": "Hello,",
        "notify.no_number": "(no number)",
        "notify.invoice": "invoice",
        "notify.credit-note": "credit note",
        "notify.what": "{document} {number} from {seller} for {amount}",
        "notify.open": "See it in Fakturaportal",
        "notify.signature": "Kind regards\n{tenant} (sent automatically by Fakturaportal)",
        "notify.why_supplier": (
            "You get this e-mail because you are registered as a contact for {seller} at {tenant}."
        ),
        "notify.why_approver": (
            "You get this e-mail because the step is assigned to you, to a group you are in, or "
            "to someone you stand in for."
        ),
        "notify.received.subject": "Received: {document} {number} to {tenant}",
        "notify.received.lead": "We have received {what}.",
        "notify.received.next": (
            "It is being checked now and then goes for approval. You will get an e-mail when it "
            "is paid, or if anything needs fixing."
        ),
        "notify.rejected.subject": "Rejected: {document} {number} to {tenant}",
        "notify.rejected.lead": "We could not accept {what}.",
        "notify.paid.subject": "Paid: {document} {number} to {tenant}",
        "notify.paid.lead": "{tenant} has paid {what}.",
        "notify.paid.booked": "The bank booked the payment on {date}: {amount}.",
        "notify.task.subject": "Waiting for you: invoice {number} from {seller}",
        "notify.task.lead": "{what} is waiting for your {step}.",
        "notify.task.due_date": "Due date: {date}.",
        "notify.task.remind": "If nobody has acted by {at}, we will send a reminder.",
        "notify.task.act": "Approve, reject or forward it",
        "notify.step.attestation": "attestation",
        "notify.step.budget": "budget approval",
        "notify.step.second-level": "further approval",
        "notify.step.routing": "routing (nobody may take it yet)",
        "invite.subject": "Invitation: follow your invoices to {tenant}",
        "invite.lead": (
            "{inviter} at {tenant} has invited you to Fakturaportal. There you see the invoices "
            "you have sent to {tenant} and how far each has come: received, awaiting approval, "
            "approved, payment scheduled, paid, or rejected with the reason and how to fix it."
        ),
        "invite.link": "Log in the first time with this link. It works once, for {days} days:",
        "invite.later": "Later, log in at {url} with your e-mail address.",
        "invite.why": (
            "You get this e-mail because {inviter} at {tenant} registered your address as a "
            "supplier's contact."
        ),
        "invite.title": "Invite a supplier",
        "invite.page_lead": (
            "The supplier's contact gets an e-mail with a login link and a short guide to "
            "sending invoices to {tenant}. They see only the invoices from their own "
            "organisation number."
        ),
        "invite.email": "The contact's e-mail address",
        "invite.name": "Name (optional)",
        "invite.orgnr": "The supplier's organisation number",
        "invite.orgnr_hint": "9 digits, for example 923609016.",
        "invite.language": "Language of the e-mails",
        "invite.language_nb": "Norwegian (bokmål)",
        "invite.language_en": "English",
        "invite.submit": "Send the invitation",
        "invite.sent": "The invitation has been sent to {email}.",
        "invite.bad_email": "Type a valid e-mail address.",
        "invite.bad_orgnr": "The organisation number needs 9 digits and a valid check digit.",
        "invite.not_sent": (
            "The contact is registered, but the e-mail could not be sent. Try again shortly."
        ),
        "invite.preview": "See the guide the supplier gets",
        "nav.invite": "Invite supplier",
        "nav.guide": "Guide",
        "guide.title": "How to send invoices to {tenant}",
        "guide.lead": (
            "EHF is best. We take PDF too. Whichever way you send, you see the invoice here in "
            "the portal as soon as it is received."
        ),
        "guide.channels": "Three ways to send",
        "guide.ehf_title": "EHF through Peppol (best)",
        "guide.ehf": (
            "Send an EHF invoice (Peppol BIS Billing 3.0) from your invoicing system to the "
            "organisation number of {tenant} in Peppol (ELMA, scheme 0192). It is read "
            "automatically and checked against the official rules."
        ),
        "guide.upload_title": "Upload in the portal",
        "guide.upload": (
            "Under “Send invoice”, upload EHF (XML), a PDF or a picture (JPEG, PNG). Credit "
            "notes go the same way."
        ),
        "guide.mail_title": "E-mail",
        "guide.mail": (
            "Send the PDF or EHF as an attachment to {address}. One invoice per attachment; the "
            "text of the e-mail is not read."
        ),
        "guide.fields_title": "What the invoice must state",
        "guide.fields_lead": (
            "If any of this is missing, the invoice is rejected, and you get an e-mail naming "
            "the rule and how to fix it."
        ),
        "guide.field_orgnr": (
            "Your organisation number (9 digits) and, if you are VAT-registered: NO + "
            "organisation number + MVA (rule NO-R-001)."
        ),
        "guide.field_number": "An invoice number unique in your books (BR-02).",
        "guide.field_dates": "The issue date (BR-03) and a due date or payment terms.",
        "guide.field_payment": (
            "The KID if we are to use one, else your bank account number (11 digits) or IBAN."
        ),
        "guide.field_reference": (
            "Our reference, 'Deres ref.' (the name of who ordered from you), or our order "
            "number (PEPPOL-EN16931-R003). It takes the invoice quickly to the right person."
        ),
        "guide.field_vat": (
            "VAT per rate (25, 15, 12 or 0 %) and totals with and without VAT that add up "
            "(BR-CO-15)."
        ),
        "guide.after_title": "Afterwards",
        "guide.after": (
            "You get an e-mail when the invoice is received, if it is rejected, and when it is "
            "paid. Questions about an invoice go in the messages on the invoice."
        ),
        "guide.to_invoices": "To my invoices",
    },
}
