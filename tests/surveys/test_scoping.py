"""The scoping gate: who reaches which units, and 404 for everything else."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from surveys.models import Membership
from surveys.scoping import (
    get_unit_for_user,
    revocable_memberships,
    roles_grantable_by,
    units_for_user,
    units_managed_by,
)
from tests.factories import UnitFactory


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


def test_commune_staff_reach_only_their_own_commune(world):
    assert codes(units_for_user(world.staff_a)) == {"09556"}
    assert codes(units_for_user(world.staff_b)) == {"09886"}


def test_commune_staff_cannot_reach_the_neighbouring_commune(world, client):
    with pytest.raises(Http404):
        get_unit_for_user(world.staff_a, world.commune_b.code)
    client.force_login(world.staff_a)
    assert client.get(f"/don-vi/{world.commune_b.code}/").status_code == 404
    assert client.get(f"/don-vi/{world.commune_a.code}/").status_code == 200


def test_head_reaches_their_commune_and_the_wards_merged_into_it(world):
    assert codes(units_for_user(world.head_a)) == {"09556", "H-VANPHUC"}


def test_official_reaches_the_province_subtree_only(world):
    assert codes(units_for_user(world.official)) == {"01", "09556", "09886", "H-HADONG", "H-VANPHUC"}


def test_superuser_reaches_everything_and_anonymous_nothing(world):
    assert units_for_user(world.superuser).count() == 7
    assert not units_for_user(AnonymousUser()).exists()


def test_a_deactivated_account_reaches_nothing(world):
    world.head_a.is_active = False
    world.head_a.save()
    assert not units_for_user(world.head_a).exists()


def test_roles_filter_narrows_the_reach(world):
    Membership.objects.create(user=world.staff_a, unit=world.hatinh, role=Membership.Role.OFFICIAL)
    assert "42" in codes(units_for_user(world.staff_a))
    assert codes(units_for_user(world.staff_a, roles=[Membership.Role.COUNTER])) == {"09556"}


def test_heads_manage_their_own_unit_and_administrators_their_subtree(world):
    assert codes(units_managed_by(world.head_a)) == {"09556"}
    assert codes(units_managed_by(world.admin_hanoi)) == {"01", "09556", "09886", "H-HADONG", "H-VANPHUC"}
    assert not units_managed_by(world.staff_a).exists()
    assert not units_managed_by(world.official).exists()


def test_heads_grant_counter_roles_in_their_unit_only(world):
    assert roles_grantable_by(world.head_a, world.commune_a) == ["counter"]
    assert roles_grantable_by(world.head_a, world.commune_b) == []
    assert set(roles_grantable_by(world.admin_hanoi, world.commune_b)) == {"counter", "head", "official", "admin"}
    assert roles_grantable_by(world.admin_hanoi, world.commune_c) == []


def test_nobody_revokes_their_own_role_and_heads_revoke_only_counter_staff(world):
    second_head = Membership.objects.create(user=world.staff_b, unit=world.commune_a, role=Membership.Role.HEAD)
    own_head = Membership.objects.get(user=world.head_a)
    counter_a = Membership.objects.get(user=world.staff_a)
    own_admin = Membership.objects.get(user=world.admin_hanoi)
    candidates = [second_head, own_head, counter_a, own_admin]
    assert revocable_memberships(world.head_a, candidates) == {counter_a.pk}
    assert revocable_memberships(world.admin_hanoi, candidates) == {second_head.pk, own_head.pk, counter_a.pk}


def test_history_follows_a_chain_of_mergers(world):
    older = UnitFactory(code="H-OLDER", name="Xã Cũ Hơn", parent=world.hatinh, successor=world.old_ward)
    assert older.code in codes(units_for_user(world.head_a))
    assert older.code in codes(units_for_user(world.official))
    assert older.code not in codes(units_for_user(world.staff_a))


def test_a_head_may_not_grant_a_head_role_even_by_posting_it(world):
    from django.core.exceptions import PermissionDenied

    from surveys.services.accounts import account_create

    with pytest.raises(PermissionDenied):
        account_create(
            actor=world.head_a,
            username="lanhdao.moi",
            full_name="Lãnh Đạo Mới",
            password="quay-mot-cua-2026",
            unit=world.commune_a,
            role=Membership.Role.HEAD,
        )
    assert not Membership.objects.filter(user__username="lanhdao.moi").exists()


def test_a_national_official_reaches_every_unit_and_no_administrator_appoints_one(world):
    from django.db import IntegrityError, transaction

    from tests.factories import UserFactory

    national = UserFactory(username="theodoi.quocgia")
    Membership.objects.create(user=national, unit=None, role=Membership.Role.NATIONAL)
    assert codes(units_for_user(national)) == codes(units_for_user(world.superuser))
    assert codes(units_for_user(national, roles=[Membership.Role.HEAD])) == set()
    assert Membership.Role.NATIONAL not in roles_grantable_by(world.admin_hanoi, world.hanoi)
    # The database keeps the rule: a national role names no unit, every other role names one.
    for unit, role in [(world.hanoi, Membership.Role.NATIONAL), (None, Membership.Role.OFFICIAL)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(user=national, unit=unit, role=role)
