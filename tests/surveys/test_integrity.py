"""Integrity signals: red-flag answers reach the head at once, unanswered surveys per civil servant, bursts."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from surveys.models import AuditEntry, IntegrityAlert, IssuedSurvey, Response, SurveySettings
from surveys.selectors.integrity import bursts, channel_counts, officer_answer_rates
from surveys.services.answering import rating_submit, survey_answer
from tests.factories import dossier_with_survey

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
COMPLETE = {"3.2": "Tốt", "3.3": "Rất tốt", "3.7": "Không", "3.8": "Không", "3.10": "Hài lòng"}


def answer(token, origin="", device="", **raw):
    return survey_answer(token=token, client_id=uuid.uuid4(), raw=raw or {"Câu 1": 5}, origin=origin, device=device)[0]


@pytest.fixture
def extra_fee(world, builtin_forms):
    """A citizen of unit A says they paid a fee beyond the rules (3.8 of the Bình Phước form)."""
    SurveySettings.objects.create(unit=world.commune_a, form=builtin_forms["binh-phuoc"])
    dossier, _survey, token = dossier_with_survey(unit=world.commune_a, code="HS-PHI")
    answer(token, **{**COMPLETE, "3.8": "Có"})
    return IntegrityAlert.objects.get()


def test_a_yes_to_extra_fees_is_on_the_heads_home_page_at_once(world, client, extra_fee):
    assert extra_fee.question.code == "3.8" and extra_fee.unit == world.commune_a
    client.force_login(world.head_a)
    home = client.get("/").content.decode()
    assert 'id="integrity-alerts"' in home
    assert "1 cảnh báo chưa xem" in home
    assert "3.8" in home and "Phường Hà Đông" in home and "Hồ sơ HS-PHI" in home
    assert 'id="nav-alerts"' in home  # and a count in the menu on every page


@pytest.mark.parametrize("persona", ["staff_a", "staff_b", "official", "outsider"])
def test_nobody_else_sees_the_alert(world, client, extra_fee, persona):
    client.force_login(getattr(world, persona))
    home = client.get("/").content.decode()
    assert 'id="integrity-alerts"' not in home and 'id="nav-alerts"' not in home
    signals = client.get("/tin-hieu/")
    if persona == "outsider":  # a head, of another unit: their page, without unit A's alert
        assert signals.status_code == 200 and signals.context["unseen_count"] == 0
    elif persona == "official":  # reads the province's alerts, without the button that marks them seen
        html = signals.content.decode()
        assert signals.status_code == 200 and signals.context["unseen_count"] == 1
        assert "Hồ sơ HS-PHI" in html and f"/tin-hieu/{extra_fee.pk}/da-xem/" not in html
    else:
        assert signals.status_code == 404
    assert client.post(f"/tin-hieu/{extra_fee.pk}/da-xem/").status_code == 404
    extra_fee.refresh_from_db()
    assert extra_fee.seen is None


def test_the_head_marks_an_alert_seen(world, client, extra_fee):
    client.force_login(world.head_a)
    assert "3.8" in client.get("/tin-hieu/").content.decode()

    done = client.post(f"/tin-hieu/{extra_fee.pk}/da-xem/", {"next": "/"})

    assert done.status_code == 302 and done.url == "/"
    extra_fee.refresh_from_db()
    assert extra_fee.seen is not None and extra_fee.seen_by == world.head_a
    assert AuditEntry.objects.filter(action="surveys.alert.seen", actor=world.head_a, unit=world.commune_a).exists()
    assert 'id="integrity-alerts"' not in client.get("/").content.decode()
    assert client.get("/tin-hieu/").context["unseen_count"] == 0
    # Another site as "next" is not followed.
    assert client.post(f"/tin-hieu/{extra_fee.pk}/da-xem/", {"next": "https://example.com/"}).url == "/tin-hieu/"


def test_an_administrator_of_the_province_sees_the_alerts_too(world, client, extra_fee):
    client.force_login(world.admin_hanoi)
    assert client.get("/tin-hieu/").context["unseen_count"] == 1


def issue(unit, officer, count, answered, start=0):
    """`count` surveys for `officer`, the first `answered` of them answered."""
    for n in range(count):
        _dossier, _survey, token = dossier_with_survey(unit=unit, code=f"HS-{officer[:3]}-{start + n}", officer=officer)
        if n < answered:
            answer(token)


# The first days of a month are where "now − 40 days" once landed two months back.
@time_machine.travel(datetime.datetime(2026, 11, 2, 9, tzinfo=VIETNAM), tick=False)
def test_unanswered_rates_per_civil_servant_are_counted_by_the_database(world, builtin_forms):
    issue(world.commune_a, "Trần Thị Bình", 4, 1)
    issue(world.commune_a, "Nguyễn Văn An", 2, 2)
    issue(world.commune_b, "Lê Văn Cường", 3, 0)  # another unit: not head A's business
    this_month = timezone.localdate().replace(day=1)

    rows = list(officer_answer_rates(user=world.head_a, month=this_month))

    assert [(r["dossier__officer"], r["issued_count"], r["answered_count"], r["open_count"]) for r in rows] == [
        ("Trần Thị Bình", 4, 1, 3),
        ("Nguyễn Văn An", 2, 2, 0),
    ]
    assert [r["unanswered_rate"] for r in rows] == [75.0, 0.0]
    # Issued last month: counted in last month, not this one.
    mid_october = datetime.datetime(2026, 10, 15, 10, tzinfo=VIETNAM)
    IssuedSurvey.objects.filter(dossier__officer="Nguyễn Văn An").update(
        issued=mid_october, expires=mid_october + datetime.timedelta(days=7)
    )
    last_month = datetime.date(2026, 10, 1)
    assert [r["dossier__officer"] for r in officer_answer_rates(user=world.head_a, month=this_month)] == [
        "Trần Thị Bình"
    ]
    assert [r["dossier__officer"] for r in officer_answer_rates(user=world.head_a, month=last_month)] == [
        "Nguyễn Văn An"
    ]


def test_per_officer_figures_are_for_the_head_only(world, builtin_forms, client):
    issue(world.commune_a, "Trần Thị Bình", 2, 1)
    client.force_login(world.head_a)
    assert "Trần Thị Bình" in client.get("/tin-hieu/").content.decode()

    client.force_login(world.admin_hanoi)  # sees the alerts and bursts, not the staff evaluation
    page = client.get("/tin-hieu/")
    assert page.status_code == 200 and page.context["officers"] is None
    assert "Trần Thị Bình" not in page.content.decode()
    assert list(officer_answer_rates(user=world.admin_hanoi, month=timezone.localdate())) == []

    for persona in ["staff_a", "official", "superuser"]:
        client.force_login(getattr(world, persona))
        signals = client.get("/tin-hieu/")
        if persona == "staff_a":
            assert signals.status_code == 404
        else:  # officials read the signals page, system administrators act on it: neither sees staff figures
            assert signals.status_code == 200 and signals.context["officers"] is None
            assert "Trần Thị Bình" not in signals.content.decode()
        assert "Trần Thị Bình" not in client.get("/").content.decode()
        assert list(officer_answer_rates(user=getattr(world, persona), month=timezone.localdate())) == []


def answers_from(unit, count, *, origin="", device="", prefix="B"):
    for n in range(count):
        _dossier, _survey, token = dossier_with_survey(unit=unit, code=f"{prefix}-{n}")
        answer(token, origin=origin, device=device)


def test_ten_answers_from_one_address_within_an_hour_make_a_burst(world, builtin_forms):
    answers_from(world.commune_a, 10, origin="a1b2c3d4e5f60718", device="", prefix="ORIGIN")
    answers_from(world.commune_a, 9, device="0f1e2d3c4b5a6978", prefix="PHONE")
    answers_from(world.commune_a, 11, origin="a1b2c3d4e5f60718", device="kiosk-7", prefix="KIOSK")
    hour = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=2), datetime.time(9))
    )
    for n, response in enumerate(Response.objects.order_by("pk")):
        Response.objects.filter(pk=response.pk).update(created=hour + datetime.timedelta(minutes=n * 59 // 30))

    found = bursts(user=world.head_a)

    # The tablet's answers count under the tablet, not under the office's address.
    assert sorted((b.kind, b.key, b.count, b.from_kiosk) for b in found) == [
        ("device", "kiosk-7", 11, True),
        ("origin", "a1b2c3d4e5f60718", 10, False),
    ]
    assert all(timezone.localtime(b.hour) == hour and b.issued == b.count for b in found)
    assert bursts(user=world.outsider) == []

    # Spread over two hours, the same answers are no burst.
    later = Response.objects.filter(origin="a1b2c3d4e5f60718", device="").order_by("pk")[:5]
    Response.objects.filter(pk__in=list(later.values_list("pk", flat=True))).update(
        created=hour + datetime.timedelta(hours=1, minutes=5)
    )
    assert [b.kind for b in bursts(user=world.head_a)] == ["device"]


def test_the_signals_page_shows_bursts_and_counts_by_channel(world, builtin_forms, client):
    answers_from(world.commune_a, 10, origin="a1b2c3d4e5f60718", prefix="ORIGIN")
    rating_submit(unit=world.commune_a, client_id=uuid.uuid4(), raw={"Câu 1": 4})
    today = timezone.localdate()
    hour = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(14, 10)))
    Response.objects.update(created=hour)

    assert channel_counts(user=world.head_a, month=today) == {"paper": 0, "issued": 10, "online": 1}
    assert channel_counts(user=world.staff_a, month=today) == {"paper": 0, "issued": 0, "online": 0}

    client.force_login(world.head_a)
    page = client.get("/tin-hieu/", {"thang": f"{today:%Y-%m}"})
    html = page.content.decode()
    assert page.context["channels"] == [("Phiếu giấy", 0), ("Phiếu phát theo hồ sơ", 10), ("Đánh giá trực tuyến", 1)]
    assert "Cùng một địa chỉ mạng" in html and f"{hour:%d/%m/%Y} 14:00" in html


@pytest.mark.parametrize(
    ("persona", "links", "absent"),
    [
        ("staff_a", ["/ho-so/", "/ho-so/them/"], ["/quay/", "/cai-dat-khao-sat/", "/khoa-api/", "/tin-hieu/"]),
        ("head_a", ["/quay/", "/cai-dat-khao-sat/", "/khoa-api/", "/tin-hieu/"], ["/ho-so/them/"]),
        ("official", ["/tin-hieu/"], ["/cai-dat-khao-sat/", "/khoa-api/"]),  # the signals, read-only
    ],
)
def test_the_home_page_links_each_role_to_its_tools(world, client, persona, links, absent):
    client.force_login(getattr(world, persona))
    tasks = client.get("/").content.decode().split('id="tasks"')[1]
    assert all(f'href="{link}"' in tasks for link in links)
    assert not any(f'href="{link}"' in tasks for link in absent)
