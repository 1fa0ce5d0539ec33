"""Where a supplier's invoice is, in the supplier's words: stages from the status projection.

Suppliers see the way an invoice goes, not our internal steps: a flagged invoice (a possible
duplicate, a new bank account) is "being checked" to them, never why; a failed posting is still
"approved". A rejection shows the fatal findings, each with its rule id, in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PATH = ("received", "checking", "approval", "approved", "scheduled", "paid")

STAGE_OF = {
    "received": "received",
    "awaiting-ocr": "received",
    "ocr-completed": "received",
    "captured": "received",
    "validated": "checking",
    "flagged": "checking",
    "coded": "checking",
    "awaiting-approval": "approval",
    "approved": "approved",
    "posted": "approved",
    "posting-failed": "approved",
    "payment-proposed": "scheduled",
    "payment-sent": "scheduled",
    "payment-failed": "scheduled",
    "paid": "paid",
    "rejected": "rejected",
    "disputed": "disputed",
}
STOPPED_AFTER = {"rejected": "received", "disputed": "approval"}
"""A stopped invoice went this far along the path before it stopped."""


@dataclass(frozen=True)
class Step:
    stage: str
    state: str
    """done, current or todo."""
    date: str | None = None


def stage_of(status: str | None) -> str:
    return STAGE_OF.get(status or "received", "checking")


def timeline(row: dict[str, Any]) -> list[Step]:
    """The path so far and ahead; a rejected or disputed invoice ends where it stopped."""
    stage = stage_of(row.get("status"))
    if stage in STOPPED_AFTER:
        reached = PATH.index(STOPPED_AFTER[stage])
        return [Step(s, "done") for s in PATH[: reached + 1]] + [Step(stage, "current")]
    at = PATH.index(stage)
    dates = {"scheduled": row.get("execution_date"), "paid": row.get("settled_on")}
    return [
        Step(s, "done" if i < at else "current" if i == at else "todo", dates.get(s))
        for i, s in enumerate(PATH)
    ]


def rejection_reasons(row: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """The fatal findings of a rejected invoice (warnings and flags stay internal), or the
    reason of the person who rejected a flagged one, in their words."""
    if row.get("status") != "rejected":
        return []
    if row.get("rejected_by") and row.get("rejection_reason"):
        return [{"rule": "", "text": str(row["rejection_reason"])}]
    reasons = []
    for finding in row.get("findings") or []:
        if finding.get("flag", "fatal") != "fatal":
            continue
        text = finding.get("message_nb" if lang == "nb" else "message_en") or ""
        reasons.append({"rule": str(finding.get("rule_id", "")), "text": str(text)})
    return reasons
