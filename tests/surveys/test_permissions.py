"""The table of who may do what: its names, the modules that ask it, and the personas it decides for."""

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from surveys.models import IntegrityAlert, Membership, ResponseContact, SurveySettings
from surveys.permissions import PERMISSIONS, PERSONAL, held, may, units_with
from surveys.services.answering import survey_answer
from tests.factories import UserFactory, dossier_with_survey

ROOT = Path(settings.BASE_DIR)
# A citizen of commune A pays a fee beyond the rules (Bình Phước 3.8), writes a comment and leaves a phone number.
ANSWERS = {"3.2": "Tốt", "3.3": "Rất tốt", "3.7": "Không", "3.8": "Có", "3.10": "Hài lòng", "4": "Cán bộ tận tình"}

# Where naming roles is the point: the table itself, scoping's reach and granting rules, the roles'
# definition and the database's checks of them, and the demo accounts seed_demo creates.
MAY_NAME_ROLES = {
    "surveys/permissions.py",
    "surveys/scoping.py",
    "surveys/management/commands/seed_demo.py",
}
ROLE_LISTS = [
    re.compile(r"Role\.(COUNTER|HEAD|OFFICIAL|ADMIN|NATIONAL)\b"),  # Membership.Role.HEAD
    re.compile(r"\w*_ROLES\b"),  # HEAD_ROLES = [...]
    re.compile(r"\broles\s*="),  # units_for_user(user, roles=[...])
    re.compile(r"\brole\s*=\s*[\"'](counter|head|official|admin|national)[\"']"),  # filter(role="head")
    re.compile(r"\brole__in\b|memberships__role"),  # filter(role__in=[...])
    re.compile(r"\.role\s*(==|!=|\bin\b)"),  # membership.role == ...
    re.compile(r"is_superuser"),  # system administrators are handled once, in the table's functions
]
TEMPLATE_ROLE_LISTS = [re.compile(r"\bRole\."), re.compile(r"\broles\b"), re.compile(r"is_superuser")]


def source_files():
    """The application's own Python and templates, without migrations and model definitions."""
    for folder in ("surveys", "reports", "sipas"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative and not relative.startswith("surveys/models/"):
                yield relative, path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "templates").rglob("*.html")):
        yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_every_permission_names_only_known_roles():
    known = set(Membership.Role.values)
    for perm, roles in PERMISSIONS.items():
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", perm), perm
        assert isinstance(roles, frozenset) and roles <= known, perm
    assert PERMISSIONS.keys() >= PERSONAL
    # Personal data is the head's alone: no role that oversees, administers or reads the country holds it.
    assert all(PERMISSIONS[perm] == {Membership.Role.HEAD} for perm in PERSONAL)
    # The national official reads what an official reads, across the country, and starts nothing.
    national = {perm for perm, roles in PERMISSIONS.items() if Membership.Role.NATIONAL in roles}
    official = {perm for perm, roles in PERMISSIONS.items() if Membership.Role.OFFICIAL in roles}
    assert national - official == {"compare.national"} and official - national == {"jobs.start"}


def test_no_module_outside_the_table_writes_a_role_list_for_access():
    found = []
    for relative, text in source_files():
        if relative in MAY_NAME_ROLES:
            continue
        patterns = TEMPLATE_ROLE_LISTS if relative.endswith(".html") else ROLE_LISTS
        for number, line in enumerate(text.splitlines(), start=1):
            if any(pattern.search(line) for pattern in patterns):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == [], "ask surveys.permissions instead of naming roles:\n" + "\n".join(found)


def test_every_permission_the_code_asks_for_is_in_the_table():
    """A name missing from the table raises KeyError in Python; in a template it would quietly hide a card."""
    asked = set()
    call = re.compile(
        r"\b(?:units_with|get_unit_with|may|holds|memberships_with|home_units_with|roles_with)\([^()]*?"
        r"[\"']([a-z_]+\.[a-z_]+)[\"']"
    )
    for relative, text in source_files():
        if relative == "surveys/permissions.py":
            continue
        asked |= set(call.findall(text))
        asked |= {f"{area}.{action}" for area, action in re.findall(r"\bcan\.([a-z_]+)\.([a-z_]+)", text)}
        asked |= {f"{area}.{action}" for area, action in re.findall(r"can\[\"(\w+)\"\]\[\"(\w+)\"\]", text)}
    assert {"results.contacts", "alerts.mark_seen", "system.admin"} <= asked  # the scan finds calls and templates
    assert asked - PERMISSIONS.keys() == set()


def test_what_each_persona_holds(world):
    national = national_official()
    assert held(world.superuser) == PERMISSIONS.keys() - PERSONAL
    assert held(world.official) == {"results.view", "compare.view", "reports.download", "jobs.start", "alerts.view"}
    assert held(national) == {"results.view", "compare.view", "compare.national", "reports.download", "alerts.view"}
    assert {"results.contacts", "results.officers", "signals.officers"} <= held(world.head_a)
    assert "alerts.mark_seen" in held(world.admin_hanoi) and not PERSONAL & held(world.admin_hanoi)
    # Reach still decides where: the head of A holds nothing in B, the national official reads everywhere.
    assert may(world.head_a, "results.contacts", world.commune_a)
    assert not may(world.head_a, "results.view", world.commune_b)
    assert may(national, "results.view", world.commune_c) and not may(national, "reports.write", world.commune_c)
    assert not units_with(world.superuser, "results.contacts").exists()
    with pytest.raises(KeyError):
        units_with(world.head_a, "results.veiw")


def national_official():
    user = UserFactory(username="theodoi.quocgia")
    Membership.objects.create(user=user, unit=None, role=Membership.Role.NATIONAL)
    return user


@pytest.fixture
def commented(world, builtin_forms, frozen_clock):
    """This month in commune A: an answer with a red flag, a comment and the citizen's contact details."""
    SurveySettings.objects.create(unit=world.commune_a, form=builtin_forms["binh-phuoc"])
    dossier, _survey, token = dossier_with_survey(unit=world.commune_a, code="HS-PHI", officer="Trần Thị Bình")
    response, _created = survey_answer(token=token, client_id=uuid.uuid4(), raw=ANSWERS)
    ResponseContact.objects.create(response=response, name="Nguyễn Thị Hoa", phone="0912345678")
    return dossier


def this_month(code: str, frozen_clock, **query) -> str:
    url = reverse("reports:results", args=[code, f"{frozen_clock:%Y-%m}"])
    return url + ("?subtree=1" if query.get("subtree") else "")


def test_an_administrator_sees_no_contact_details_and_no_civil_servant_while_the_head_does(
    world, client, commented, frozen_clock
):
    url = this_month("09556", frozen_clock)
    client.force_login(world.head_a)
    html = client.get(url).content.decode()
    assert "Nguyễn Thị Hoa" in html and "0912345678" in html
    assert 'id="officer-table"' in html and "Trần Thị Bình" in html

    for persona in ["admin_hanoi", "superuser", "official"]:
        client.force_login(getattr(world, persona))
        page = client.get(url)
        html = page.content.decode()
        assert page.status_code == 200 and "Cán bộ tận tình" in html, persona  # the comment, without its author
        assert "Nguyễn Thị Hoa" not in html and "0912345678" not in html, persona
        assert "officer-table" not in html and "Trần Thị Bình" not in html, persona

    # A system administrator who also heads the unit reads them as its head.
    Membership.objects.create(user=world.superuser, unit=world.commune_a, role=Membership.Role.HEAD)
    client.force_login(world.superuser)
    assert "0912345678" in client.get(url).content.decode()


def test_an_official_reads_the_alerts_of_the_subtree_without_marking_them_or_seeing_civil_servants(
    world, client, commented
):
    alert = IntegrityAlert.objects.get(unit=world.commune_a)
    client.force_login(world.official)

    page = client.get("/tin-hieu/")
    html = page.content.decode()
    assert page.status_code == 200 and [a.pk for a in page.context["alerts"]] == [alert.pk]
    assert "Hồ sơ HS-PHI" in html and 'id="alerts-read-only"' in html
    assert reverse("alert_seen", args=[alert.pk]) not in html
    assert page.context["officers"] is None and page.context["bursts"] is None and "Trần Thị Bình" not in html
    home = client.get("/").content.decode()
    assert 'id="integrity-alerts"' not in home and 'id="nav-signals"' in home

    assert client.post(reverse("alert_seen", args=[alert.pk])).status_code == 404
    alert.refresh_from_db()
    assert alert.seen is None

    # Once the head marks it seen, the official finds it among the recently seen ones.
    alert.seen, alert.seen_by = alert.created, world.head_a
    alert.save()
    page = client.get("/tin-hieu/")
    assert page.context["unseen_count"] == 0 and [a.pk for a in page.context["seen"]] == [alert.pk]
    # An official of another province reads none of it.
    other = UserFactory(username="theodoi.hatinh")
    Membership.objects.create(user=other, unit=world.hatinh, role=Membership.Role.OFFICIAL)
    client.force_login(other)
    page = client.get("/tin-hieu/")
    assert page.status_code == 200 and page.context["seen"] == [] and page.context["unseen_count"] == 0


def test_a_national_official_reads_every_province_and_changes_nothing(world, client, commented, frozen_clock):
    national = national_official()
    alert = IntegrityAlert.objects.get(unit=world.commune_a)
    client.force_login(national)

    for url in [
        this_month("01", frozen_clock, subtree=True),
        this_month("42", frozen_clock),
        this_month("09556", frozen_clock),
        reverse("reports:download", args=["09556", f"{frozen_clock:%Y-%m}", "period", "xlsx"]),
        "/tin-hieu/",
        "/don-vi/18118/",
        "/ho-so/",
        "/tao-hang-loat/",
    ]:
        assert client.get(url).status_code == 200, url
    # Every response of another province, exported as a background job whose page they read.
    export = client.post(reverse("reports:responses_export", args=["42", f"{frozen_clock:%Y-%m}"]), {"format": "csv"})
    assert export.status_code == 302 and client.get(export["Location"]).status_code == 200
    commune = client.get(this_month("09556", frozen_clock)).content.decode()
    assert "Cán bộ tận tình" in commune and "0912345678" not in commune and "officer-table" not in commune
    assert "Viết nhận xét" not in commune and 'id="results-alerts"' not in commune
    signals = client.get("/tin-hieu/")
    assert signals.context["unseen_count"] == 1
    assert reverse("alert_seen", args=[alert.pk]) not in signals.content.decode()
    home = client.get("/").content.decode()
    assert "Xem kết quả và tải báo cáo" in home and "Tín hiệu bất thường" in home
    assert 'id="integrity-alerts"' not in home and "/cai-dat-khao-sat/" not in home

    period = f"{frozen_clock:%Y-%m}"
    writes = [
        ("post", reverse("alert_seen", args=[alert.pk]), {}),
        ("get", reverse("reports:report_text", args=["09556", period]), {}),
        ("post", reverse("reports:report_text", args=["09556", period]), {"strengths": "Tốt"}),
        ("get", reverse("reports:plan", args=["09556", frozen_clock.year]), {}),
        ("post", reverse("reports:jobs"), {"unit": world.hanoi.pk, "month": period}),
        ("get", "/cai-dat-khao-sat/", {}),
        ("get", "/khoa-api/", {}),
        ("get", "/hom-phieu/mo/", {}),
        ("get", "/ho-so/them/", {}),
        ("post", reverse("survey_issue", args=[commented.pk]), {}),
        ("post", "/ho-so/so-luong/", {"unit": "09556", "month": "10/2026", "count": 5}),
        ("get", "/nhap-phieu/", {}),
        ("post", "/quay/them/", {"unit": world.commune_a.pk, "name": "Quầy 9"}),
        ("get", "/mau-phieu/sipas-5/sao-chep/", {}),
        ("get", "/thu-tuc/nhap/", {}),
        ("get", "/tai-khoan/", {}),
    ]
    for method, url, data in writes:
        assert getattr(client, method)(url, data).status_code == 404, (method, url)
    alert.refresh_from_db()
    assert alert.seen is None
