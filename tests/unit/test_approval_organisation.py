from datetime import timedelta
from decimal import Decimal

import pytest

from services.approval.organisation import (
    Organisation,
    OrganisationBook,
    OrganisationRefused,
    Role,
    organisation_id,
)
from tests.unit.approval_org import ORG, T0, org


def book() -> OrganisationBook:
    b = OrganisationBook(tenant_id="demo")
    for section in ("users", "groups", "cost_centres", "authority", "routing", "second_level"):
        b.change(section, ORG[section], changed_by="finn", meta={})
    return b


def test_every_change_is_an_event_with_who_made_it():
    b = book()
    assert b.id == organisation_id("demo")
    changes = [e for e in b.collect_events() if isinstance(e, OrganisationBook.Changed)]
    assert [e.section for e in changes][:2] == ["users", "groups"]
    assert {e.changed_by for e in changes} == {"finn"}
    assert b.current().cost_centre("D100").owner == "kari"


@pytest.mark.parametrize(
    "section, value, problem",
    [
        ("cost_centres", [{"code": "D1", "owner": "nobody"}], "owner nobody is not a user"),
        ("cost_centres", [{"code": "D1", "parent": "D9"}], "parent D9 does not exist"),
        (
            "cost_centres",
            [{"code": "A", "parent": "B"}, {"code": "B", "parent": "A"}],
            "A is its own ancestor",
        ),
        (
            "authority",
            [{"role": "budget-holder", "cost_centre": "D9", "max_amount": "1"}],
            "no cost centre D9",
        ),
        (
            "authority",
            [{"role": "budget-holder", "max_amount": "1", "user": "ola"}],
            "ola does not have the role budget-holder",
        ),
        ("routing", {"ap_inbox": "desk"}, "AP inbox desk is neither a user nor a group"),
        ("routing", {"buyer_references": {"x": "nobody"}}, "nobody is neither"),
        ("groups", [{"id": "g", "members": ["ghost"]}], "member ghost is not a user"),
        ("second_level", {"threshold": "1", "approver": "ghost"}, "approver ghost is not a user"),
        ("users", [*ORG["users"], {"id": "ola"}], "user ola is listed twice"),
        ("sla", {"budget": {"reminder_hours": 0}}, "greater than or equal to 1"),
        ("colour", "blue", "unknown section"),
    ],
)
def test_inconsistent_changes_are_refused_and_not_recorded(section, value, problem):
    b = book()
    version = b.version
    with pytest.raises(OrganisationRefused, match=problem):
        b.change(section, value, changed_by="finn", meta={})
    assert b.version == version


def test_removing_an_owner_is_refused_while_they_own_a_cost_centre():
    b = book()
    users = [u for u in ORG["users"] if u["id"] != "kari"]
    with pytest.raises(OrganisationRefused) as refused:
        b.change("users", users, changed_by="finn", meta={})
    assert "cost centre D100: owner kari is not a user" in refused.value.problems


def test_the_most_specific_authority_wins():
    o = org(
        authority=[
            {"role": "budget-holder", "cost_centre": "*", "max_amount": "1000"},
            {"role": "budget-holder", "cost_centre": "D100", "max_amount": "5000"},
            {"role": "budget-holder", "cost_centre": "*", "max_amount": "7000", "user": "per"},
            {"role": "budget-holder", "cost_centre": "D100", "max_amount": "9000", "user": "per"},
        ]
    )
    assert o.limit("kari", Role.BUDGET_HOLDER, "D200") == Decimal("1000")
    assert o.limit("kari", Role.BUDGET_HOLDER, "D100") == Decimal("5000")
    assert o.limit("per", Role.BUDGET_HOLDER, "D200") == Decimal("7000")
    assert o.limit("per", Role.BUDGET_HOLDER, "D100") == Decimal("9000")
    assert o.limit("ola", Role.BUDGET_HOLDER, "D100") is None  # no role, no authority
    assert o.with_authority(Role.BUDGET_HOLDER, "D100", Decimal("6000")) == ["per"]


def test_superior_is_the_manager_else_the_owner_above_else_a_finance_admin():
    o = org()
    assert o.superior("per", "D200") == "lise"  # manager
    assert o.superior("kari", "D100") == "lise"  # owner of the parent
    assert o.superior("ola", "D100") == "kari"  # not an owner: the cost centre's owner
    assert o.superior("lise", "D000") == "finn"


def test_substitutes_are_set_by_the_person_or_a_finance_admin():
    b = book()
    b.set_substitute("kari", "per", T0, T0 + timedelta(days=7), changed_by="kari", meta={})
    current = b.current()
    assert current.principals_of("per", T0 + timedelta(days=1)) == ["kari"]
    assert current.principals_of("per", T0 + timedelta(days=8)) == []
    with pytest.raises(OrganisationRefused, match="only kari or a finance admin"):
        b.set_substitute("kari", "ola", T0, T0, changed_by="ola", meta={})
    b.set_substitute("kari", "ola", T0, T0 + timedelta(days=1), changed_by="finn", meta={})
    assert b.current().principals_of("per", T0) == []  # replaced: one substitute at a time
    with pytest.raises(OrganisationRefused, match="ends before it starts"):
        b.set_substitute("kari", "per", T0, T0 - timedelta(days=1), changed_by="kari", meta={})
    with pytest.raises(OrganisationRefused, match="ghost is not a user"):
        b.set_substitute("kari", "ghost", T0, T0, changed_by="kari", meta={})
    with pytest.raises(OrganisationRefused, match="themselves"):
        b.set_substitute("kari", "kari", T0, T0, changed_by="kari", meta={})
    b.clear_substitute("kari", changed_by="kari", meta={})
    assert b.current().substitutes == []


def test_buyer_reference_resolves_by_rule_id_name_or_email():
    o = org()
    assert o.resolve_reference(" ola nordmann / INNKJØP ") == "ola"
    assert o.resolve_reference("Ola Nordmann") == "ola"
    assert o.resolve_reference("KARI") == "kari"
    assert o.resolve_reference("someone else") is None
    assert Organisation().problems() == []


# -- inviting a supplier's contact ----------------------------------------------------------------


def test_inviting_a_supplier_contact_adds_one_user_with_that_orgnr():
    from services.approval.organisation import SupplierContact

    b = book()
    b.collect_events()
    contact = SupplierContact(email="Siri@Lev.example", orgnr="923609016", language="en")
    added = b.add_supplier_contact(contact, changed_by="anne", meta={})
    assert (added.id, added.email, added.language) == ("siri@lev.example", "Siri@Lev.example", "en")
    assert added.roles == [Role.SUPPLIER_CONTACT]
    assert b.current().linked_to_supplier("siri@lev.example", "923609016")
    (changed,) = b.collect_events()
    assert isinstance(changed, OrganisationBook.Changed) and changed.changed_by == "anne"
    # Invited again: nothing recorded. For a second supplier: one more orgnr, the same person.
    b.add_supplier_contact(contact, changed_by="anne", meta={})
    assert b.collect_events() == []
    again = b.add_supplier_contact(
        SupplierContact(email="siri@lev.example", orgnr="974760673"), changed_by="anne", meta={}
    )
    assert again.supplier_orgnrs == ["923609016", "974760673"] and again.language == "en"
    assert len(b.current().users) == len(ORG["users"]) + 1


def test_a_staff_address_or_a_tenant_without_organisation_is_refused():
    from services.approval.organisation import SupplierContact

    b = book()
    users = [u | {"email": f"{u['id']}@buyer.example"} for u in ORG["users"]]
    b.change("users", users, changed_by="finn", meta={})
    with pytest.raises(OrganisationRefused, match="belongs to kari, not a supplier"):
        b.add_supplier_contact(
            SupplierContact(email="KARI@buyer.example", orgnr="923609016"),
            changed_by="anne",
            meta={},
        )
    with pytest.raises(OrganisationRefused, match="set up the organisation"):
        OrganisationBook(tenant_id="new").add_supplier_contact(
            SupplierContact(email="a@b.example", orgnr="923609016"), changed_by="anne", meta={}
        )
    with pytest.raises(ValueError, match="MOD11"):
        SupplierContact(email="a@b.example", orgnr="923609017")
