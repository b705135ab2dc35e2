"""API keys: the command, the head's page, and a key made there registering dossiers of its own unit only."""

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command

from surveys.models import ApiKey, AuditEntry, Dossier
from surveys.services.api_keys import api_key_create

DOSSIER = {
    "dossier_code": "HS-2026-0042",
    "procedure": "Đăng ký khai sinh",
    "received": "02/03/2026",
    "resolved": "05/03/2026",
    "on_time": True,
    "officer": "Nguyễn Văn An",
}


def register(client, secret, body=None):
    return client.post(
        "/api/v1/dossiers",
        data=json.dumps(body or DOSSIER),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def created_key(page: str) -> str:
    """The key as the page shows it once, in the read-only box."""
    return re.search(r'id="new-key-value" value="([^"]+)"', page).group(1)


def test_the_command_prints_a_working_key_once(world, builtin_forms, client):
    out = io.StringIO()
    call_command("create_api_key", "--unit", "09556", "--name", "Phần mềm iGate", stdout=out)
    secret, note = out.getvalue().splitlines()

    key = ApiKey.objects.get()
    assert (key.unit, key.name, key.created_by) == (world.commune_a, "Phần mềm iGate", None)
    assert secret.startswith(key.prefix) and key.digest != secret  # only the digest is kept
    assert "chỉ hiện một lần" in note
    assert register(client, secret).status_code == 201


def test_the_command_refuses_an_unknown_unit(world):
    with pytest.raises(CommandError, match="Không có đơn vị mã “99999”"):
        call_command("create_api_key", "--unit", "99999", stdout=io.StringIO())
    assert not ApiKey.objects.exists()


def test_a_key_made_on_the_page_registers_dossiers_until_revoked(world, builtin_forms, client):
    client.force_login(world.head_a)
    page = client.post("/khoa-api/", {"name": "Một cửa điện tử", "unit": "09556"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    html = page.content.decode()
    secret = created_key(html)
    assert "Khóa chỉ hiện một lần này" in html
    assert "curl -X POST http://testserver/api/v1/dossiers" in html and f"Bearer {secret}" in html
    assert AuditEntry.objects.filter(action="surveys.api_key.created", actor=world.head_a).exists()
    # Shown once: the list afterwards has the prefix, never the key.
    listed = client.get("/khoa-api/").content.decode()
    assert secret not in listed and ApiKey.objects.get().prefix in listed

    client.logout()
    first = register(client, secret)
    again = register(client, secret)
    assert first.status_code == 201, first.json()
    assert set(first.json()) >= {"token", "url"} and first.json()["url"].endswith(f"/p/{first.json()['token']}/")
    assert again.status_code == 200 and again.json()["token"] == first.json()["token"]
    assert Dossier.objects.get().unit == world.commune_a
    assert ApiKey.objects.get().last_used is not None

    client.force_login(world.head_a)
    key = ApiKey.objects.get()
    assert client.post(f"/khoa-api/{key.pk}/thu-hoi/").status_code == 302
    key.refresh_from_db()
    assert key.revoked is not None
    client.logout()
    refused = register(client, secret, {**DOSSIER, "dossier_code": "HS-2026-0043"})
    assert refused.status_code == 401
    assert Dossier.objects.count() == 1


def test_a_key_registers_into_its_own_unit_whatever_the_body_says(world, builtin_forms, client):
    _key_a, secret_a = api_key_create(actor=None, unit=world.commune_a, name="A")
    _key_b, secret_b = api_key_create(actor=None, unit=world.commune_b, name="B")

    assert register(client, secret_a, {**DOSSIER, "unit": "09886"}).status_code == 201
    assert register(client, secret_b).status_code == 201  # the same code is another dossier in unit B

    assert sorted(Dossier.objects.values_list("unit__code", "code")) == [
        ("09556", "HS-2026-0042"),
        ("09886", "HS-2026-0042"),
    ]


def test_a_head_of_one_unit_has_no_unit_to_pick(world, client):
    client.force_login(world.outsider)
    page = client.get("/khoa-api/").content.decode()
    assert 'type="hidden" name="unit" value="18118"' in page


def test_bad_input_is_shown_next_to_the_field(world, client):
    client.force_login(world.head_a)  # Hà Đông and the ward merged into it: a list to pick from
    invalid = client.post("/khoa-api/", {"name": "", "unit": "18118"}).content.decode()
    assert "Hãy đặt tên cho khóa." in invalid
    assert "Không có đơn vị này trong phạm vi của bạn." in invalid  # another province's unit
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("persona", ["staff_a", "staff_b", "official", "outsider"])
def test_other_people_cannot_reach_the_keys_of_unit_a(world, client, persona):
    key, _secret = api_key_create(actor=None, unit=world.commune_a, name="A")
    client.force_login(getattr(world, persona))

    page = client.get("/khoa-api/")
    assert client.post(f"/khoa-api/{key.pk}/thu-hoi/").status_code == 404
    if persona == "outsider":  # a head, but of another unit: their page lists none of unit A's keys
        assert page.status_code == 200 and key.prefix not in page.content.decode()
    else:
        assert page.status_code == 404
    key.refresh_from_db()
    assert key.revoked is None


def test_an_administrator_of_the_province_manages_keys_of_its_communes(world, client):
    client.force_login(world.admin_hanoi)
    page = client.post("/khoa-api/", {"name": "Một cửa Dương Nội", "unit": "09886"})
    assert page.status_code == 200
    assert ApiKey.objects.get().unit == world.commune_b
