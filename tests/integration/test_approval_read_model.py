"""Approval's open-steps read model and the scheduler's mail on a real PostgreSQL (no Kafka).

Each case is written through the application, as the API and consumer write them; the inbox and
the scheduler read the table, caught up from the notification log. The database is this module's
own, dropped afterwards; each test uses a tenant of its own.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from fakturaportal.db import connect
from fakturaportal.mailer import Replier
from fakturaportal.settings import CommonSettings
from services.approval.app import ApprovalApp
from services.approval.case import ApprovalCase
from services.approval.config import ApprovalSettings
from services.approval.index import POSITION_KEY, TOPICS, OpenSteps
from services.approval.mail_follower import MailFollower
from services.approval.notices import message_id
from services.approval.scheduler import Scheduler
from tests.infra import throwaway_database
from tests.unit.approval_org import ORG, T0, line, summary

pytestmark = pytest.mark.integration
H = timedelta(hours=1)
SENDER = "attestasjon@test.example"
SECTIONS = ("users", "groups", "cost_centres", "authority", "routing", "second_level", "sla")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Outbox(Replier):
    """Every message handed over, in order (a mail server would keep each)."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


@pytest.fixture(scope="module", name="settings")
def settings_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommonSettings]:
    base = CommonSettings()
    with throwaway_database(base, "fp_approval_rm_test") as db:
        yield base.model_copy(
            update={"pg_db": db, "data_dir": tmp_path_factory.mktemp("approval-rm")}
        )


@pytest.fixture(scope="module", name="clock")
def clock_fixture() -> Clock:
    return Clock()


@pytest.fixture(scope="module", name="app")
def app_fixture(settings: CommonSettings, clock: Clock) -> Iterator[ApprovalApp]:
    app = ApprovalApp(settings, ApprovalSettings(notice_from=SENDER), clock=clock)
    yield app
    app.close()


@pytest.fixture(name="tenant")
def tenant_fixture(app: ApprovalApp, clock: Clock) -> str:
    """A tenant of its own with the shared test organisation, everyone with an address."""
    clock.now = T0
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    organise(app, tenant)
    return tenant


def organise(app: ApprovalApp, tenant: str) -> None:
    org: dict[str, Any] = dict(ORG)
    org["users"] = [u | {"email": f"{u['id']}@test.example"} for u in ORG["users"]]
    for section in SECTIONS:
        app.change_organisation(tenant, section, org[section], "finn")


def open_case(app: ApprovalApp, tenant: str, amount: str = "12500", **kw: Any) -> uuid.UUID:
    """A coded invoice's case, saved as the consumer saves it: to `ola` (buyer reference) and
    then `kari` (owner of D100) by default."""
    department = kw.pop("department", "D100")
    case = ApprovalCase.request(
        uuid.uuid4(),
        tenant,
        summary(amount, **kw),
        [line(amount, department=department)],
        "anne",
        "carl",
        app.organisation(tenant),
        app.clock(),
        {},
    )
    app.save(case)
    return case.id


def inbox(app: ApprovalApp, tenant: str, user: str) -> list[tuple[str, str, str, str | None]]:
    return [
        (str(row.case_id), row.step_id, why, behalf) for row, why, behalf in app.inbox(tenant, user)
    ]


def loaded(app: ApprovalApp, tenant: str, user: str) -> list[tuple[str, str, str, str | None]]:
    """What the inbox answered before the read model: every open case loaded, oldest first."""
    now, org = app.clock(), app.organisation(tenant)
    found = []
    ids = query(
        app,
        "SELECT case_id FROM approval_open_steps WHERE tenant_id = %s "
        "GROUP BY case_id ORDER BY min(opened)",
        tenant,
    )
    for (case_id,) in ids:
        case = app.case_for(tenant, case_id)
        assert case is not None
        for step in case.active_steps():
            members = org.members(step.assignee)
            principals = [p for p in org.principals_of(user, now) if p in members]
            escalated = step.escalated_at is not None and step.escalate_to == user
            if user in members or principals or escalated:
                why = "assigned" if user in members else "substitute" if principals else "escalated"
                found.append((str(case.id), step.id, why, principals[0] if principals else None))
    return found


def rows(
    app: ApprovalApp, case_id: uuid.UUID, catch_up: bool = True
) -> list[tuple[str, str, bool]]:
    """The case's rows in the table (caught up first, as every reader does)."""
    if catch_up:
        app.open_steps.catch_up()
    found = query(
        app,
        "SELECT step_id, assignee, escalated FROM approval_open_steps WHERE case_id = %s "
        "ORDER BY ordinal",
        case_id,
    )
    return [(str(s), str(a), bool(e)) for s, a, e in found]


def query(app: ApprovalApp, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with connect(app.settings, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def test_rows_follow_the_case_from_open_to_approved(app: ApprovalApp, clock: Clock, tenant: str):
    case = open_case(app, tenant)
    assert rows(app, case) == [("attestation:D100", "ola", False)]
    assert inbox(app, tenant, "ola") == [(str(case), "attestation:D100", "assigned", None)]
    assert inbox(app, tenant, "kari") == []

    # a substitute sees it on behalf; a group's members see what the group is given
    app.set_substitute(tenant, "ola", "mona", T0 - H, T0 + 100 * H, "ola")
    to_group = open_case(app, tenant, "800", ref=None, department=None)
    assert rows(app, to_group) == [("attestation:*", "ap", False)]
    assert inbox(app, tenant, "mona") == [
        (str(case), "attestation:D100", "substitute", "ola"),
        (str(to_group), "attestation:*", "assigned", None),
    ]
    assert inbox(app, tenant, "mona") == loaded(app, tenant, "mona")
    app.set_substitute(tenant, "ola", None, None, None, "ola")
    assert inbox(app, tenant, "mona") == [(str(to_group), "attestation:*", "assigned", None)]
    app.dispute(tenant, to_group, "mona", "ikke vår")
    assert inbox(app, tenant, "mona") == []

    # attested: the next step starts, for kari; forwarded: it moves to lise
    clock.now = T0 + H
    app.approve(tenant, case, "ola")
    assert rows(app, case) == [("budget:D100", "kari", False)]
    assert inbox(app, tenant, "ola") == []
    assert inbox(app, tenant, "kari") == [(str(case), "budget:D100", "assigned", None)]
    app.forward(tenant, case, "kari", "lise", "ferie")
    assert rows(app, case) == [("budget:D100", "lise", False)]
    assert inbox(app, tenant, "kari") == []

    # escalated after the budget step's 48 + 24 hours: the next level above lise (finn) sees it
    clock.now = T0 + H + 72 * H
    done = Scheduler(app, tenant, MailFollower(app, Outbox())).tick()
    assert [s for _, s in done.reminded] == ["budget:D100"]
    assert [(s, to) for _, s, to in done.escalated] == [("budget:D100", "finn")]
    assert rows(app, case) == [("budget:D100", "lise", True)]
    assert inbox(app, tenant, "finn") == [(str(case), "budget:D100", "escalated", None)]
    assert inbox(app, tenant, "finn") == loaded(app, tenant, "finn")

    # approved: the case leaves every inbox
    _, decision = app.approve(tenant, case, "lise")
    assert decision.case_approved
    assert rows(app, case) == []
    assert inbox(app, tenant, "lise") == inbox(app, tenant, "finn") == []


def test_a_disputed_case_leaves_the_table(app: ApprovalApp, tenant: str):
    case = open_case(app, tenant)
    assert rows(app, case)
    app.dispute(tenant, case, "ola", "feil pris")
    assert rows(app, case) == []


def test_the_scheduler_reads_only_what_is_due(app: ApprovalApp, clock: Clock, tenant: str):
    first = open_case(app, tenant)
    clock.now = T0 + 2 * H
    second = open_case(app, tenant, "9000")
    # attestation: reminder after 24 hours, escalation 24 later
    assert app.open_steps.due(T0 + 23 * H, tenant) == []
    assert app.open_steps.due(T0 + 24 * H, tenant) == [first]
    assert app.open_steps.due(T0 + 26 * H, tenant) == [first, second]
    Scheduler(app, tenant, MailFollower(app, Outbox())).tick(T0 + 24 * H)
    assert app.open_steps.due(T0 + 47 * H, tenant) == [second]  # first: reminded, not yet due
    assert app.open_steps.due(T0 + 48 * H, tenant) == [first, second]
    app.hold(tenant, second, "ola", T0 + 100 * H, "venter på varer")
    assert app.open_steps.due(T0 + 99 * H, tenant) == [first]
    assert app.open_steps.due(T0 + 124 * H, tenant) == [first, second]


def pending(app: ApprovalApp) -> int:
    with connect(app.settings, autocommit=True) as conn:
        found = conn.execute(
            "SELECT position FROM approval_open_steps_position WHERE projection = %s",
            (POSITION_KEY,),
        ).fetchone()
    position = int(found[0]) if found else 0
    later = app.recorder.select_notifications(
        start=position, limit=100_000, topics=TOPICS, inclusive_of_start=False
    )
    return len(later)


def test_two_catch_ups_racing_apply_each_notification_once(
    app: ApprovalApp, settings: CommonSettings, tenant: str
):
    cases = [open_case(app, tenant, str(1000 + n)) for n in range(40)]
    behind = pending(app)
    assert behind >= 40
    readers = [OpenSteps(app, settings, batch=7) for _ in range(2)]
    start = threading.Barrier(2)
    applied: list[int] = []
    failed: list[BaseException] = []

    def run(reader: OpenSteps) -> None:
        start.wait()
        try:
            applied.append(reader.catch_up())
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for reader in readers:
        reader.close()
    assert failed == []
    assert sum(applied) == behind, applied  # not twice
    assert pending(app) == 0
    assert [rows(app, c) for c in cases] == [[("attestation:D100", "ola", False)]] * 40


def test_a_catch_up_waits_for_the_one_holding_the_position(
    app: ApprovalApp, settings: CommonSettings, tenant: str
):
    case = open_case(app, tenant)
    reader = OpenSteps(app, settings)
    done = threading.Event()
    with connect(settings) as holder:
        holder.execute("SELECT position FROM approval_open_steps_position FOR UPDATE")
        thread = threading.Thread(target=lambda: (reader.catch_up(), done.set()))
        thread.start()
        time.sleep(0.5)
        assert not done.is_set()
        assert rows(app, case, catch_up=False) == []
    thread.join(30)
    reader.close()
    assert done.is_set()
    assert rows(app, case, catch_up=False) == [("attestation:D100", "ola", False)]


class RacingApp(ApprovalApp):
    """Someone comments on the case just after the scheduler read it, the first time only."""

    name = "approval"  # the same event store, not one named after this class
    race: uuid.UUID | None = None

    def get_or_none(self, aggregate_id: uuid.UUID) -> Any:
        found = super().get_or_none(aggregate_id)
        if aggregate_id == self.race:
            self.race = None
            self.comment(str(getattr(found, "tenant_id")), aggregate_id, "ola", "på vei")  # noqa: B009
        return found


def test_a_scheduler_that_lost_a_race_mails_once(
    settings: CommonSettings, clock: Clock, tenant: str
):
    racing = RacingApp(settings, ApprovalSettings(notice_from=SENDER), clock=clock)
    try:
        case = open_case(racing, tenant)
        outbox = Outbox()
        scheduler = Scheduler(racing, tenant, MailFollower(racing, outbox))
        racing.open_steps.catch_up()  # the race is the scheduler's, not the catch-up's
        racing.race = case
        done = scheduler.tick(T0 + 25 * H)
        assert racing.race is None, "the race happened"
        assert [s for _, s in done.reminded] == ["attestation:D100"]
        assert done.mailed == 1
        assert [m["To"] for m in outbox.sent] == ["ola@test.example"]
        reminded = racing.case_for(tenant, case)
        assert reminded is not None and reminded.version == 3  # requested, commented, reminded
        assert outbox.sent[0]["Message-ID"] == message_id(
            "reminder", str(case), "attestation:D100", 3, SENDER
        )
    finally:
        racing.close()


def test_each_mail_goes_out_once_however_often_the_follower_runs(app: ApprovalApp, tenant: str):
    case = open_case(app, tenant)
    outbox = Outbox()
    scheduler = Scheduler(app, tenant, MailFollower(app, outbox))
    assert scheduler.tick(T0 + 25 * H).mailed == 1
    assert scheduler.tick(T0 + 26 * H).mailed == 0
    assert MailFollower(app, outbox).deliver() == 0
    escalated = scheduler.tick(T0 + 49 * H)
    assert (escalated.mailed, len(escalated.escalated)) == (1, 1)
    assert MailFollower(app, outbox).deliver() == 0
    assert [(m["To"], str(m["Subject"]).split(":")[0]) for m in outbox.sent] == [
        ("ola@test.example", "Påminnelse"),
        ("kari@test.example", "Eskalert"),  # kari: owner of D100, above the attestant
    ]
    assert [m["X-Fakturaportal-Invoice"] for m in outbox.sent] == [str(case)] * 2


class Crash(Exception):
    pass


class CrashingMailFollower(MailFollower):
    """Dies after sending, before recording its position: once."""

    crashed = False

    def record_position(self, tracking: Tracking) -> None:
        if not self.crashed:
            self.crashed = True
            raise Crash
        super().record_position(tracking)


def test_a_crash_before_recording_sends_the_same_message_again(app: ApprovalApp, tenant: str):
    case = open_case(app, tenant)
    outbox = Outbox()
    scheduler = Scheduler(app, tenant, CrashingMailFollower(app, outbox))
    with pytest.raises(Crash):
        scheduler.tick(T0 + 25 * H)
    reminded = app.case_for(tenant, case)
    assert reminded is not None and reminded.step("attestation:D100").reminded_at is not None
    assert len(outbox.sent) == 1

    restarted = MailFollower(app, outbox)  # after the restart
    assert restarted.deliver() == 1
    assert restarted.deliver() == 0
    first, again = outbox.sent
    assert (
        first["Message-ID"]
        == again["Message-ID"]
        == message_id("reminder", str(case), "attestation:D100", 2, SENDER)
    )
    assert first.as_bytes() == again.as_bytes()
    assert Scheduler(app, tenant, MailFollower(app, outbox)).tick(T0 + 26 * H).mailed == 0
    assert len(outbox.sent) == 2


def test_a_new_follower_starts_at_the_end_of_the_log(settings: CommonSettings, clock: Clock):
    """Reminders from before the follower existed were mailed already: not again."""
    with throwaway_database(settings, "fp_approval_rm_fresh") as db:
        fresh = ApprovalApp(
            settings.model_copy(update={"pg_db": db}),
            ApprovalSettings(notice_from=SENDER),
            clock=clock,
        )
        try:
            tenant = "fresh"
            clock.now = T0
            organise(fresh, tenant)
            case = fresh.get_or_none(open_case(fresh, tenant))
            assert isinstance(case, ApprovalCase)
            case.remind("attestation:D100", "ola", (T0 + 25 * H).isoformat(), {})
            fresh.save(case)
            outbox = Outbox()
            follower = MailFollower(fresh, outbox)
            follower.start_here()
            assert follower.deliver() == 0
            assert outbox.sent == []
        finally:
            fresh.close()


def test_a_walking_skeleton_case_is_shown_and_never_acted_on(app: ApprovalApp, tenant: str) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from fakturaportal.auth import Principal, authenticate
    from services.approval.api import build_router
    from services.approval.domain import ApprovalCase as LegacyCase

    invoice_id = uuid.uuid4()
    legacy = LegacyCase(
        invoice_id=invoice_id,
        tenant_id=tenant,
        summary=summary("900").model_dump(mode="json"),
        coding=[line("900").model_dump(mode="json")],
        registered_by="anne",
        step="attestation",
        assignee="ola",
        meta={},
    )
    app.save(legacy)
    http = FastAPI()
    http.include_router(build_router(app))
    who = {"principal": Principal(tenant, "ola", frozenset({"attestant"}))}
    http.dependency_overrides[authenticate] = lambda: who["principal"]
    with TestClient(http) as client:
        shown = client.get(f"/api/v1/invoices/{invoice_id}/approval")
        assert shown.status_code == 200, shown.text
        body = shown.json()
        assert (body["legacy"], body["status"], body["assignee"]) == (True, "open", "ola")
        refused = client.post(f"/api/v1/invoices/{invoice_id}/approve")
        assert refused.status_code == 409 and refused.json()["code"] == "legacy-case"
        assert "walking skeleton" in refused.json()["detail"]
        who["principal"] = Principal("another-tenant", "ola", frozenset({"attestant"}))
        assert client.get(f"/api/v1/invoices/{invoice_id}/approval").status_code == 404
    assert app.inbox(tenant, "ola") == []


def test_the_inbox_ranks_a_discount_about_to_be_lost_first(app: ApprovalApp, tenant: str) -> None:
    """BT-20's cash discount reaches the table, and the inbox weighs it (DESIGN: lost discounts)."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from fakturaportal.auth import Principal, authenticate
    from services.approval.api import build_router

    plain = open_case(app, tenant)
    urgent = open_case(
        app, tenant, payment_terms="2 % rabatt ved betaling innen 3 dager, netto 30 dager"
    )
    later = open_case(app, tenant, payment_terms="2/20 netto 30")
    http = FastAPI()
    http.include_router(build_router(app))
    http.dependency_overrides[authenticate] = lambda: Principal(
        tenant, "ola", frozenset({"attestant"})
    )
    with TestClient(http) as client:
        answer = client.get("/api/v1/approvals/inbox")
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["invoice_id"] for i in items] == [str(urgent), str(later), str(plain)]
    first, second, third = items
    assert first["priority"] == "discount"
    assert (first["discount_percent"], first["discount_until"], first["discount_at_stake"]) == (
        "2",
        "2026-03-04",
        "250.00",
    )
    assert (second["priority"], second["discount_until"]) == ("normal", "2026-03-21")
    assert third["discount_percent"] is None and third["discount_at_stake"] is None


def test_a_new_position_key_rewrites_the_older_rows(app: ApprovalApp, tenant: str) -> None:
    """Rows written before a column existed are rewritten by the first catch-up under the new
    key, without a row twice (here: the key's row removed, as on a database of the old shape)."""
    case = open_case(app, tenant, payment_terms="2/10 netto 30")
    assert [r.discount_percent for r, _, _ in app.inbox(tenant, "ola")] == [Decimal(2)]
    with connect(app.settings, autocommit=True) as conn:
        conn.execute(
            "UPDATE approval_open_steps SET discount_percent = NULL, discount_until = NULL"
        )
        conn.execute(
            "DELETE FROM approval_open_steps_position WHERE projection = %s", (POSITION_KEY,)
        )
    [(row, _, _)] = app.inbox(tenant, "ola")
    assert (row.case_id, row.discount_percent, str(row.discount_until)) == (
        case,
        Decimal(2),
        "2026-03-11",
    )
    assert pending(app) == 0
