"""The words of the setup forms (tolerances, chart of accounts, coding rules) and of the
concurrent-change warning, in bokmål and English.

Merged into `i18n.CATALOGUE`; the unit test that every key exists in both languages covers them.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "nb": {
        "admin.advanced": "Avansert (JSON)",
        "admin.to_form": "Til skjemaet",
        "admin.fingerprint_hint": "Lagres bare hvis ingen andre har endret dette imens.",
        "admin.conflict": "Ikke lagret: noen andre har endret dette siden du åpnet siden. "
        "Slik det er nå står under; det du skrev står fortsatt i skjemaet. "
        "Se over, og lagre på nytt for å erstatte det.",
        "admin.current": "Slik det er nå",
        "admin.form.not_a_number": "{field}: «{value}» er ikke et tall.",
        "admin.form.not_a_whole_number": "{field}: «{value}» er ikke et helt tall.",
        "admin.form.required": "{field} må fylles ut.",
        "admin.form.bad_flag": "{field}: «{value}» er ikke en alvorlighet.",
        "admin.form.twice": "{field}: {value} står to ganger.",
        "admin.form.in_row": "{field} (rad {n})",
        "admin.policy.lead": "Hvor mye en faktura kan avvike fra bestillingen før den stoppes, "
        "og hvor strengt kontrollreglene slår ut. Et tomt felt kontrolleres ikke.",
        "admin.policy.tolerances": "Toleransegrenser",
        "admin.policy.line": "Per fakturalinje (pris, antall, ikke mottatt)",
        "admin.policy.invoice": "Hele fakturaen (sum eks. mva. mot bestilt)",
        "admin.policy.amount": "Beløp (NOK)",
        "admin.policy.percent": "Prosent",
        "admin.policy.line_amount": "Linje, beløp",
        "admin.policy.line_percent": "Linje, prosent",
        "admin.policy.invoice_amount": "Faktura, beløp",
        "admin.policy.invoice_percent": "Faktura, prosent",
        "admin.policy.checks": "Kontroller",
        "admin.policy.three_way": "Treveis kontroll: mot varemottak for bestillinger som "
        "krever det",
        "admin.policy.duplicate_window_days": "Duplikatvindu (dager)",
        "admin.policy.rules": "Regler og alvorlighet",
        "admin.policy.rules_hint": "Portalens egne regler (FP-…, NO-BF-…) kan skjerpes, "
        "dempes eller slås av; offisielle advarsler kan skjerpes. Offisielle fatale regler "
        "kan ikke svekkes.",
        "admin.policy.rule": "Regel-id",
        "admin.policy.flag": "Alvorlighet",
        "admin.policy.new_rule": "Ny regel",
        "admin.flag.fatal": "Avvis (fatal)",
        "admin.flag.warning": "Advarsel",
        "admin.flag.off": "Av",
        "admin.chart.lead": "Kontoene konteringen kan bruke (NS 4102), med mva-kodene hver "
        "konto forventer. Konteres en annen kode, blir det et funn.",
        "admin.chart.accounts": "Kontoer",
        "admin.chart.number": "Kontonr.",
        "admin.chart.name": "Kontonavn",
        "admin.chart.vat_codes": "Forventede mva-koder",
        "admin.chart.vat_hint": "SAF-T-koder, kommaseparert (1, 11, 13 …); tomt: alle.",
        "admin.chart.new": "Ny konto",
        "admin.rules.lead": "En regel gjelder når alle betingelsene den har, stemmer, og setter "
        "konto, mva-kode eller dimensjoner. Tomme felt er ingen betingelse.",
        "admin.rules.new": "Ny regel",
        "admin.rules.name": "Navn på regelen",
        "admin.rules.when": "Når",
        "admin.rules.then": "Så konteres",
        "admin.rules.supplier_orgnr": "Leverandørens org.nr.",
        "admin.rules.text_contains": "Teksten inneholder",
        "admin.rules.buyer_reference": "Deres ref.",
        "admin.rules.account": "Konto",
        "admin.rules.vat_code": "Mva-kode",
        "admin.rules.department": "Avdeling",
        "admin.rules.project": "Prosjekt",
    },
    "en": {
        "admin.advanced": "Advanced (JSON)",
        "admin.to_form": "To the form",
        "admin.fingerprint_hint": "Saved only if nobody else changed this meanwhile.",
        "admin.conflict": "Not saved: someone else changed this since you opened the page. "
        "How it is now is shown below; what you typed is still in the form. "
        "Check it, and save again to replace it.",
        "admin.current": "As it is now",
        "admin.form.not_a_number": "{field}: “{value}” is not a number.",
        "admin.form.not_a_whole_number": "{field}: “{value}” is not a whole number.",
        "admin.form.required": "{field} is required.",
        "admin.form.bad_flag": "{field}: “{value}” is not a severity.",
        "admin.form.twice": "{field}: {value} is listed twice.",
        "admin.form.in_row": "{field} (row {n})",
        "admin.policy.lead": "How far an invoice may deviate from its order before it is "
        "stopped, and how strictly the check rules apply. An empty field is not checked.",
        "admin.policy.tolerances": "Tolerances",
        "admin.policy.line": "Per invoice line (price, quantity, not received)",
        "admin.policy.invoice": "The whole invoice (total excl. VAT against ordered)",
        "admin.policy.amount": "Amount (NOK)",
        "admin.policy.percent": "Percent",
        "admin.policy.line_amount": "Line, amount",
        "admin.policy.line_percent": "Line, percent",
        "admin.policy.invoice_amount": "Invoice, amount",
        "admin.policy.invoice_percent": "Invoice, percent",
        "admin.policy.checks": "Checks",
        "admin.policy.three_way": "Three-way match: against goods receipts for orders that "
        "require them",
        "admin.policy.duplicate_window_days": "Duplicate window (days)",
        "admin.policy.rules": "Rules and severity",
        "admin.policy.rules_hint": "The portal's own rules (FP-…, NO-BF-…) can be sharpened, "
        "softened or turned off; official warnings can be sharpened. Official fatal rules "
        "cannot be weakened.",
        "admin.policy.rule": "Rule id",
        "admin.policy.flag": "Severity",
        "admin.policy.new_rule": "New rule",
        "admin.flag.fatal": "Reject (fatal)",
        "admin.flag.warning": "Warning",
        "admin.flag.off": "Off",
        "admin.chart.lead": "The accounts coding may use (NS 4102), with the VAT codes each "
        "account expects. Coding another code is a finding.",
        "admin.chart.accounts": "Accounts",
        "admin.chart.number": "Account no.",
        "admin.chart.name": "Account name",
        "admin.chart.vat_codes": "Expected VAT codes",
        "admin.chart.vat_hint": "SAF-T codes, comma separated (1, 11, 13 …); empty: any.",
        "admin.chart.new": "New account",
        "admin.rules.lead": "A rule applies when all the conditions it has hold, and sets the "
        "account, VAT code or dimensions. An empty field is no condition.",
        "admin.rules.new": "New rule",
        "admin.rules.name": "Rule name",
        "admin.rules.when": "When",
        "admin.rules.then": "Then code",
        "admin.rules.supplier_orgnr": "Supplier's org. no.",
        "admin.rules.text_contains": "The text contains",
        "admin.rules.buyer_reference": "Buyer reference",
        "admin.rules.account": "Account",
        "admin.rules.vat_code": "VAT code",
        "admin.rules.department": "Department",
        "admin.rules.project": "Project",
    },
}
