"""The setup sections a finance admin edits as forms: tolerances and rule flags (validation's
policy), the chart of accounts and the coding rules (posting's setup); and the fingerprint that
tells the portal whether a section changed since the admin opened it.

Pure functions, no I/O. Each form section turns the service's value into form fields
(`to_form`), so a refused form is shown again exactly as typed, and the fields back into the
value the service's PUT takes (`from_form`). What the form cannot read (a percent of "abc", a
rule id twice) is a `FormProblem` before anything is sent; everything else is the service's to
judge, and its reason is what the admin reads.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

Form = dict[str, str]
BLANK_ROWS = 2
MAX_ROWS = 20_000
RULE_FLAGS = ("fatal", "warning", "off")
_SPACES = (" ", "\u00a0", "\u202f")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")


class FormProblem(ValueError):
    """Form input that is not what the field takes; `key` is the i18n key of the message, with
    `field` (an i18n key too) naming where it is and `value` what was typed."""

    def __init__(self, key: str, field: str, value: str = "", n: int = 0) -> None:
        super().__init__(f"{key}: {field} {value!r}")
        self.key, self.field, self.value, self.n = key, field, value, n


def fingerprint(value: Any) -> str:
    """sha256 of the value's canonical JSON: the same value gives the same print whatever the
    key order, so the portal can tell whether a section changed since a page showed it."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def decimal_text(text: str, field: str, n: int = 0) -> str | None:
    """A non-negative amount or percent as the service takes it ("2.5"); empty is None (that
    bound is not checked). Accepts the Norwegian way: "2,5", "1 000,50"."""
    cleaned = text.strip()
    for space in _SPACES:
        cleaned = cleaned.replace(space, "")
    if not cleaned:
        return None
    cleaned = cleaned.replace(",", ".")
    if not _NUMBER.match(cleaned):
        raise FormProblem("admin.form.not_a_number", field, text.strip(), n)
    try:
        return str(Decimal(cleaned))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise FormProblem("admin.form.not_a_number", field, text.strip(), n) from exc


def whole_number(text: str, field: str) -> int:
    cleaned = text.strip()
    if not cleaned.isdigit():
        key = "admin.form.required" if not cleaned else "admin.form.not_a_whole_number"
        raise FormProblem(key, field, cleaned)
    return int(cleaned)


def rows_of(form: Form) -> int:
    try:
        return max(0, min(int(form.get("rows", "0")), MAX_ROWS))
    except ValueError:
        return 0


def field_text(form: Form, name: str) -> str:
    """A field as typed, without the spaces around it; missing is empty."""
    return form.get(name, "").strip()


def _kept_rows(form: Form, *fields: str) -> list[int]:
    """The row numbers with something in one of `fields` and not marked for removal."""
    return [
        n
        for n in range(rows_of(form))
        if not form.get(f"remove_{n}") and any(field_text(form, f"{f}_{n}") for f in fields)
    ]


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


# -- tolerances and rule flags (validation's policy) -------------------------------------------

LIMITS = ("line", "invoice")


def policy_to_form(policy: dict[str, Any]) -> Form:
    tolerances = policy.get("tolerances") or {}
    form: Form = {}
    for limit in LIMITS:
        bounds = tolerances.get(limit) or {}
        form[f"{limit}_amount"] = _plain(bounds.get("amount"))
        form[f"{limit}_percent"] = _plain(bounds.get("percent"))
    if policy.get("three_way", True):
        form["three_way"] = "1"
    form["duplicate_window_days"] = _plain(policy.get("duplicate_window_days", 7))
    rules = sorted((policy.get("rules") or {}).items())
    for n, (rule_id, flag) in enumerate(rules):
        form[f"rule_{n}"] = rule_id
        form[f"flag_{n}"] = flag
    form["rows"] = str(len(rules) + BLANK_ROWS)
    return form


def policy_from(form: Form) -> dict[str, Any]:
    """The policy the form shows; rule ids in capitals, as the official ones are written."""
    tolerances = {
        limit: {
            "amount": decimal_text(form.get(f"{limit}_amount", ""), f"admin.policy.{limit}_amount"),
            "percent": decimal_text(
                form.get(f"{limit}_percent", ""), f"admin.policy.{limit}_percent"
            ),
        }
        for limit in LIMITS
    }
    rules: dict[str, str] = {}
    for n in _kept_rows(form, "rule"):
        rule_id = field_text(form, f"rule_{n}").upper()
        flag = field_text(form, f"flag_{n}")
        if flag not in RULE_FLAGS:
            raise FormProblem("admin.form.bad_flag", "admin.policy.flag", flag, n + 1)
        if rule_id in rules:
            raise FormProblem("admin.form.twice", "admin.policy.rule", rule_id, n + 1)
        rules[rule_id] = flag
    return {
        "tolerances": tolerances,
        "three_way": bool(form.get("three_way")),
        "duplicate_window_days": whole_number(
            form.get("duplicate_window_days", ""), "admin.policy.duplicate_window_days"
        ),
        "rules": rules,
    }


# -- the chart of accounts (posting's setup) --------------------------------------------------


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,;]+", text.strip()) if c]


def _squeezed(text: str) -> str:
    for space in _SPACES:
        text = text.replace(space, "")
    return text


def chart_to_form(chart: list[dict[str, Any]]) -> Form:
    form: Form = {"rows": str(len(chart) + BLANK_ROWS)}
    for n, account in enumerate(chart):
        form[f"number_{n}"] = _plain(account.get("number"))
        form[f"name_{n}"] = _plain(account.get("name"))
        form[f"vat_codes_{n}"] = ", ".join(account.get("vat_codes") or [])
    return form


def chart_from(form: Form) -> list[dict[str, Any]]:
    """One account per row with a number or a name, not marked for removal; no VAT codes means
    the account takes any."""
    return [
        {
            "number": _squeezed(field_text(form, f"number_{n}")),
            "name": field_text(form, f"name_{n}"),
            "vat_codes": _codes(form.get(f"vat_codes_{n}", "")) or None,
        }
        for n in _kept_rows(form, "number", "name", "vat_codes")
    ]


# -- coding rules (posting's setup) -----------------------------------------------------------

RULE_WHEN = ("supplier_orgnr", "text_contains", "buyer_reference")
RULE_THEN = ("account", "vat_code", "department", "project")
_SQUEEZED = ("supplier_orgnr", "account", "vat_code")
"""Numbers people write with spaces ("974 760 673")."""


def coding_rules_to_form(rules: list[dict[str, Any]]) -> Form:
    form: Form = {"rows": str(len(rules) + BLANK_ROWS)}
    for n, rule in enumerate(rules):
        form[f"name_{n}"] = _plain(rule.get("name"))
        for part, fields in (("when", RULE_WHEN), ("then", RULE_THEN)):
            for name in fields:
                form[f"{name}_{n}"] = _plain((rule.get(part) or {}).get(name))
    return form


def coding_rules_from(form: Form) -> list[dict[str, Any]]:
    """One rule per row with anything in it, not marked for removal; an empty field is no
    condition (when) or leaves that part of the coding alone (then)."""

    def field(name: str, n: int) -> str | None:
        text = field_text(form, f"{name}_{n}")
        return (_squeezed(text) if name in _SQUEEZED else text) or None

    return [
        {
            "name": field_text(form, f"name_{n}"),
            "when": {name: field(name, n) for name in RULE_WHEN},
            "then": {name: field(name, n) for name in RULE_THEN},
        }
        for n in _kept_rows(form, "name", *RULE_WHEN, *RULE_THEN)
    ]


@dataclass(frozen=True)
class SectionForm:
    """A setup section's form: its template, and the way between the value and the fields."""

    template: str
    to_form: Callable[[Any], Form]
    from_form: Callable[[Form], Any]


FORMS: dict[str, SectionForm] = {
    "policy": SectionForm("admin_policy.html", policy_to_form, policy_from),
    "chart": SectionForm("admin_chart.html", chart_to_form, chart_from),
    "rules": SectionForm("admin_rules.html", coding_rules_to_form, coding_rules_from),
}
"""The sections with a form; the others (and these, as "Advanced") are edited as JSON."""
