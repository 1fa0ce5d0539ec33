"""Finance's words (the cockpit, payment runs, the bank's answers, a supplier being paid), in
bokmål and English; `i18n.py` merges them into its catalogue."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "nb": {
        "fin.nav.cockpit": "Økonomi",
        "fin.nav.runs": "Betalinger",
        "fin.nav.bank": "Bankfiler",
        "fin.cockpit.title": "Økonomioversikt",
        "fin.cockpit.lead": (
            "Fakturaflyten de siste {weeks} ukene, kostnad per måned og betalinger de neste "
            "{days} dagene."
        ),
        "fin.cockpit.no_payment": "Betalingstjenesten svarer ikke; prognosen mangler betalinger.",
        "fin.kpi.received": "Mottatt",
        "fin.kpi.touchless": "Uten manuell behandling",
        "fin.kpi.of_coded": "({done} av {coded} konterte)",
        "fin.kpi.to-approval": "Mottak til godkjenning (median)",
        "fin.kpi.to-payment": "Mottak til betaling (median)",
        "fin.kpi.days": "{days} d",
        "fin.kpi.p90": "90 % innen {p90}, {count} fakturaer",
        "fin.kpi.weeks": "siste {weeks} uker",
        "fin.kpi.invoices": "{count} fakturaer",
        "fin.kpi.overdue": "Forfalt, ikke betalt",
        "fin.kpi.lost": "Tapte kontantrabatter",
        "fin.kpi.taken": "Rabatter tatt i betalingsforslag",
        "fin.group.liquidity": "Likviditetsprognose",
        "fin.group.flow": "Fakturaflyt",
        "fin.group.cost": "Kostnader",
        "fin.chart.weekly": "Utbetalinger per uke",
        "fin.chart.weekly_desc": (
            "Utbetalinger de neste åtte ukene: i betalingsforslag, planlagt i betalingsboken, "
            "og godkjent men ikke ennå planlagt."
        ),
        "fin.chart.daily": "Utbetalinger per dag",
        "fin.chart.daily_desc": "Sum utbetalinger per dag de neste åtte ukene, i kroner.",
        "fin.chart.volumes": "Mottatte fakturaer per uke",
        "fin.chart.volumes_desc": "Antall fakturaer mottatt hver uke de siste tolv ukene.",
        "fin.chart.touchless": "Andel uten manuell behandling",
        "fin.chart.touchless_desc": (
            "Prosent av de konterte fakturaene per mottaksuke som ingen måtte rette eller sjekke."
        ),
        "fin.chart.approvers": "Tid per godkjenner",
        "fin.chart.approvers_desc": (
            "Median timer fra et godkjenningssteg ble sendt til godkjenneren til det ble godkjent."
        ),
        "fin.chart.suppliers": "Kostnad per leverandør",
        "fin.chart.suppliers_desc": (
            "Godkjent beløp inkl. mva per leverandør og måned, de fem største og resten samlet."
        ),
        "fin.chart.accounts": "Kostnad per konto",
        "fin.chart.accounts_desc": (
            "Godkjent nettobeløp per konto og måned, de fem største og resten samlet."
        ),
        "fin.no_data": "Ingen data i perioden.",
        "fin.others": "Andre",
        "fin.week": "Uke",
        "fin.count": "Antall",
        "fin.touchless_share": "Andel",
        "fin.approver": "Godkjenner",
        "fin.approved_steps": "Steg",
        "fin.median_hours": "Median timer",
        "fin.day": "Dag",
        "fin.outgoing": "Utbetalt",
        "fin.period": "Periode",
        "fin.total": "Sum",
        "fin.name": "Navn",
        "fin.source.scheduled": "I forslag",
        "fin.source.planned": "Planlagt",
        "fin.source.approved": "Godkjent",
        "fin.runs.title": "Betalingsforslag",
        "fin.runs.lead": (
            "Lag et betalingsforslag av det som forfaller, se det per konto, og la en annen "
            "betalingsgodkjenner frigi det til banken."
        ),
        "fin.runs.propose": "Nytt betalingsforslag",
        "fin.runs.horizon": "Betal det som forfaller til og med",
        "fin.runs.horizon_hint": "Tomt: dagens dato pluss virksomhetens horisont.",
        "fin.runs.account": "Betal fra konto",
        "fin.runs.each_own": "Hver faktura fra sin konto",
        "fin.runs.propose_button": "Lag forslag",
        "fin.runs.recent": "Siste betalingsforslag",
        "fin.runs.none": "Ingen betalingsforslag ennå.",
        "fin.runs.back": "Til betalingsforslagene",
        "fin.run.title": "Betalingsforslag",
        "fin.run.name": "{date} av {user}",
        "fin.run.held": "Holdt tilbake",
        "fin.run.total": "Sum",
        "fin.run.count": "Betalinger",
        "fin.run.proposed": "Foreslått",
        "fin.run.released": "Frigitt",
        "fin.run.cancelled": "Avbrutt av",
        "fin.run.horizon": "Forfall til og med",
        "fin.run.gains": "Gevinst av rabatter",
        "fin.run.files": "Betalingsfil",
        "fin.run.four_eyes": "Fire øyne: den som lagde forslaget, kan ikke frigi det.",
        "fin.run.release": "Godkjenn og send til banken",
        "fin.run.cancel": "Avbryt forslaget",
        "fin.run.account": "Fra konto {account}: {count} betalinger, {total}",
        "fin.run.execution": "Betales",
        "fin.run.open": "Utestående",
        "fin.run.discount": "Rabatt",
        "fin.run.credit": "Kreditnota motregnet",
        "fin.run.settled_by_credit": "Gjort opp med kreditnota",
        "fin.run.excluded": "Ikke med",
        "fin.run.not_due": "{count} fakturaer forfaller senere og er ikke med.",
        "fin.status.proposed": "Foreslått",
        "fin.status.released": "Frigitt",
        "fin.status.sent": "Sendt til banken",
        "fin.status.cancelled": "Avbrutt",
        "fin.excluded.held": "holdt tilbake i betalingsboken",
        "fin.excluded.in-run": "allerede i et betalingsforslag",
        "fin.excluded.paid": "allerede betalt",
        "fin.excluded.nothing-open": "ingenting utestående",
        "fin.excluded.duplicate": "mulig dobbeltbetaling",
        "fin.bank.title": "Svar fra banken",
        "fin.bank.lead": (
            "Last opp statusrapporter (pain.002) og belastningsvarsler (camt.054) fra banken. "
            "Poster som ikke passer til en betaling, må en person avklare."
        ),
        "fin.bank.read": "Lest: {name}",
        "fin.bank.settled": "Betalt",
        "fin.bank.failed": "Avvist av banken",
        "fin.bank.unmatched": "Poster uten betaling",
        "fin.bank.unchanged": "Lest før",
        "fin.bank.file": "Bankfil (XML)",
        "fin.bank.upload": "Les filen",
        "fin.bank.none": "Ingen poster venter på avklaring.",
        "fin.bank.booked": "Bokført",
        "fin.bank.file_name": "Fil",
        "fin.bank.note": "Hvordan posten er avklart",
        "fin.bank.resolve": "Merk som avklart",
        "fin.bank.file_missing": "Velg en bankfil.",
        "fin.bank.bad_file": "Filen kunne ikke leses: {reason}",
        "fin.supplier.title": "Betaling",
        "fin.supplier.link": "Når blir fakturaen betalt?",
        "fin.supplier.planned": "Planlagt betalt",
        "fin.supplier.offer": "Få betalt tidligere",
        "fin.supplier.offer_lead": (
            "Gi rabatt for tidlig betaling, så betaler vi før forfall når det lønner seg for oss."
        ),
        "fin.supplier.percent": "Rabatt i prosent per 30 dager tidligere",
        "fin.supplier.percent_hint": "For eksempel 1,5.",
        "fin.supplier.max_percent": "Høyst prosent i alt (valgfritt)",
        "fin.supplier.accept": "Gi tilbudet",
        "fin.supplier.offer_accepted": (
            "Du har gitt {percent} % rabatt per {days} dager tidligere betaling."
        ),
        "fin.supplier.not_open": (
            "Fakturaen er ikke i betalingsboken akkurat nå: den er ikke bokført ennå, "
            "er med i et betalingsforslag, eller er betalt."
        ),
        "fin.supplier.back": "Tilbake til fakturaen",
        "done.run_proposed": "Betalingsforslaget er laget.",
        "done.run_released": "Godkjent. Betalingsfilen går til banken.",
        "done.run_cancelled": "Forslaget er avbrutt; fakturaene er tilbake i betalingsboken.",
        "done.bank_resolved": "Posten er avklart.",
        "done.offer": "Takk! Tilbudet er registrert.",
    },
    "en": {
        "fin.nav.cockpit": "Finance",
        "fin.nav.runs": "Payments",
        "fin.nav.bank": "Bank files",
        "fin.cockpit.title": "Finance cockpit",
        "fin.cockpit.lead": (
            "The invoice flow of the last {weeks} weeks, cost per month, and payments in the "
            "next {days} days."
        ),
        "fin.cockpit.no_payment": (
            "The payment service is not answering; the forecast lacks its payments."
        ),
        "fin.kpi.received": "Received",
        "fin.kpi.touchless": "Touchless",
        "fin.kpi.of_coded": "({done} of {coded} coded)",
        "fin.kpi.to-approval": "Receipt to approval (median)",
        "fin.kpi.to-payment": "Receipt to payment (median)",
        "fin.kpi.days": "{days} d",
        "fin.kpi.p90": "90 % within {p90}, {count} invoices",
        "fin.kpi.weeks": "last {weeks} weeks",
        "fin.kpi.invoices": "{count} invoices",
        "fin.kpi.overdue": "Overdue, unpaid",
        "fin.kpi.lost": "Lost cash discounts",
        "fin.kpi.taken": "Discounts taken in payment runs",
        "fin.group.liquidity": "Liquidity forecast",
        "fin.group.flow": "Invoice flow",
        "fin.group.cost": "Cost",
        "fin.chart.weekly": "Cash going out per week",
        "fin.chart.weekly_desc": (
            "Payments in the next eight weeks: in payment runs, planned in the payment book, "
            "and approved but not yet planned."
        ),
        "fin.chart.daily": "Cash going out per day",
        "fin.chart.daily_desc": "Total payments per day in the next eight weeks, in NOK.",
        "fin.chart.volumes": "Invoices received per week",
        "fin.chart.volumes_desc": "How many invoices were received each week of the last twelve.",
        "fin.chart.touchless": "Touchless share",
        "fin.chart.touchless_desc": (
            "Percent of the coded invoices per week of receipt that nobody had to correct or check."
        ),
        "fin.chart.approvers": "Time per approver",
        "fin.chart.approvers_desc": (
            "Median hours from an approval step reaching the approver to its approval."
        ),
        "fin.chart.suppliers": "Cost per supplier",
        "fin.chart.suppliers_desc": (
            "Approved amount incl. VAT per supplier and month, the five largest and the rest."
        ),
        "fin.chart.accounts": "Cost per account",
        "fin.chart.accounts_desc": (
            "Approved net amount per account and month, the five largest and the rest."
        ),
        "fin.no_data": "No data in the period.",
        "fin.others": "Others",
        "fin.week": "Week",
        "fin.count": "Count",
        "fin.touchless_share": "Share",
        "fin.approver": "Approver",
        "fin.approved_steps": "Steps",
        "fin.median_hours": "Median hours",
        "fin.day": "Day",
        "fin.outgoing": "Paid out",
        "fin.period": "Period",
        "fin.total": "Total",
        "fin.name": "Name",
        "fin.source.scheduled": "In a run",
        "fin.source.planned": "Planned",
        "fin.source.approved": "Approved",
        "fin.runs.title": "Payment runs",
        "fin.runs.lead": (
            "Propose a payment run of what falls due, see it per account, and have another "
            "payment approver release it to the bank."
        ),
        "fin.runs.propose": "New payment run",
        "fin.runs.horizon": "Pay what falls due until",
        "fin.runs.horizon_hint": "Empty: today plus the organisation's horizon.",
        "fin.runs.account": "Pay from account",
        "fin.runs.each_own": "Each invoice from its own account",
        "fin.runs.propose_button": "Propose",
        "fin.runs.recent": "Recent payment runs",
        "fin.runs.none": "No payment runs yet.",
        "fin.runs.back": "To the payment runs",
        "fin.run.title": "Payment run",
        "fin.run.name": "{date} by {user}",
        "fin.run.held": "Held back",
        "fin.run.total": "Total",
        "fin.run.count": "Payments",
        "fin.run.proposed": "Proposed",
        "fin.run.released": "Released",
        "fin.run.cancelled": "Cancelled by",
        "fin.run.horizon": "Due until",
        "fin.run.gains": "Gain from discounts",
        "fin.run.files": "Payment file",
        "fin.run.four_eyes": "Four eyes: whoever proposed the run may not release it.",
        "fin.run.release": "Approve and send to the bank",
        "fin.run.cancel": "Cancel the run",
        "fin.run.account": "From account {account}: {count} payments, {total}",
        "fin.run.execution": "Paid on",
        "fin.run.open": "Open amount",
        "fin.run.discount": "Discount",
        "fin.run.credit": "Credit note netted",
        "fin.run.settled_by_credit": "Settled by credit note",
        "fin.run.excluded": "Left out",
        "fin.run.not_due": "{count} invoices fall due later and are left out.",
        "fin.status.proposed": "Proposed",
        "fin.status.released": "Released",
        "fin.status.sent": "Sent to the bank",
        "fin.status.cancelled": "Cancelled",
        "fin.excluded.held": "held in the payment book",
        "fin.excluded.in-run": "already in a payment run",
        "fin.excluded.paid": "already paid",
        "fin.excluded.nothing-open": "nothing open",
        "fin.excluded.duplicate": "possible double payment",
        "fin.bank.title": "The bank's answers",
        "fin.bank.lead": (
            "Upload status reports (pain.002) and debit notifications (camt.054) from the bank. "
            "Records that fit no payment are for a person to resolve."
        ),
        "fin.bank.read": "Read: {name}",
        "fin.bank.settled": "Paid",
        "fin.bank.failed": "Refused by the bank",
        "fin.bank.unmatched": "Records without a payment",
        "fin.bank.unchanged": "Read before",
        "fin.bank.file": "Bank file (XML)",
        "fin.bank.upload": "Read the file",
        "fin.bank.none": "No records wait to be resolved.",
        "fin.bank.booked": "Booked",
        "fin.bank.file_name": "File",
        "fin.bank.note": "How the record was resolved",
        "fin.bank.resolve": "Mark as resolved",
        "fin.bank.file_missing": "Choose a bank file.",
        "fin.bank.bad_file": "The file could not be read: {reason}",
        "fin.supplier.title": "Payment",
        "fin.supplier.link": "When will the invoice be paid?",
        "fin.supplier.planned": "Planned payment",
        "fin.supplier.offer": "Get paid earlier",
        "fin.supplier.offer_lead": (
            "Offer a discount for early payment, and we pay before the due date when it pays "
            "off for us."
        ),
        "fin.supplier.percent": "Discount in percent per 30 days earlier",
        "fin.supplier.percent_hint": "For example 1.5.",
        "fin.supplier.max_percent": "At most percent in all (optional)",
        "fin.supplier.accept": "Make the offer",
        "fin.supplier.offer_accepted": (
            "You have offered {percent} % discount per {days} days of earlier payment."
        ),
        "fin.supplier.not_open": (
            "The invoice is not in the payment book right now: it is not booked yet, is in a "
            "payment run, or is paid."
        ),
        "fin.supplier.back": "Back to the invoice",
        "done.run_proposed": "The payment run has been proposed.",
        "done.run_released": "Approved. The payment file goes to the bank.",
        "done.run_cancelled": "The run is cancelled; its invoices are back in the payment book.",
        "done.bank_resolved": "The record is resolved.",
        "done.offer": "Thank you! The offer is registered.",
    },
}
