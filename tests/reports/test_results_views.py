"""The results page of a unit and its public monthly page: numbers, who sees what, and 404 outside."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, IntegrityAlert, ResolvedCount, Response, ResponseContact
from surveys.services.answering import survey_answer
from tests.factories import dossier_with_survey
from tests.reports.test_index import SIPAS, doc_table, plan
from tests.surveys.test_import_ballots import run_import

SCRIPT = "<script>alert('x')</script> Cán bộ hướng dẫn rất tận tình"


@pytest.fixture(autouse=True)
def _calendar(frozen_clock):
    """These pages open "this month" and "last month": the same ones on every run."""


def results_url(code="09556", period="2026-03", **query):
    url = reverse("reports:results", args=[code, period])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def page_as(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.fixture
def results_world(world, builtin_forms):
    """The worked example of docs/index.md in March 2026, one ballot in February, comments in April."""
    rows = [
        ["15/03/2026", *(None if cell == "–" else int(cell) for cell in row[1:])]
        for row in doc_table("worked-example:ballots")
    ]
    run_import(world, builtin_forms, SIPAS, rows)
    run_import(world, builtin_forms, SIPAS, [["10/02/2026", 5, 5, 5, 5, 5, 5, 5, 1]])
    ResolvedCount.objects.create(unit=world.commune_a, month=datetime.date(2026, 3, 1), count=10)
    plan(world.commune_a, 2026)
    run_import(
        world,
        builtin_forms,
        ["Ngày", "3.2", "3.7", "4"],
        [["12/04/2026", "Tốt", "Có", SCRIPT], ["13/04/2026", "Kém", "Không", "Phải chờ lâu"]],
        form="binh-phuoc",
    )
    commented = Answer.objects.get(text=SCRIPT).response
    ResponseContact.objects.create(response=commented, name="Nguyễn Thị Hoa", phone="0912345678")
    return world


def test_the_head_sees_the_numbers_of_the_worked_example(client, results_world):
    response = page_as(client, results_world.head_a, results_url())
    assert response.status_code == 200
    html = response.content.decode()
    page = response.context["r"]
    assert page.figures.responses == 4 and round(page.figures.index, 2) == 73.33
    assert '<div class="display-6" id="headline-responses">4</div>' in html
    assert "73,33%" in html and "▼ 6,67" in html and "điểm so với tháng 02/2026" in html
    assert "40,00%" in html and "4 phiếu / 10 hồ sơ" in html and "chưa đạt" in html and "chưa đủ phiếu" in html
    # Weakest first: Câu 1 (50 %) leads the table, with its Wilson interval and mean.
    table = html.split('id="question-table"')[1]
    assert table.index("Câu 1") < table.index("Câu 8") < table.index("Câu 4")
    assert "15,00–85,00%" in table and "3,50" in table
    assert "<svg" in html.split('id="factor-chart"')[1] and "<svg" in html.split('id="trend-chart"')[1]
    assert reverse("reports:download", args=["09556", "2026-03", "notice", "pdf"]) in html
    assert reverse("reports:download", args=["09556", "2026-03", "annual", "pdf"]) not in html
    assert reverse("reports:report_text", args=["09556", "2026-03"]) in html
    assert reverse("reports:plan", args=["09556", 2026]) in html
    assert reverse("reports:public_notice", args=["09556", "2026-03"]) in html


def test_a_period_without_responses_says_so_without_empty_tables(client, results_world):
    html = page_as(client, results_world.head_a, results_url(period="2026-06")).content.decode()
    assert "Kỳ này chưa có phiếu nào." in html
    assert "question-table" not in html and "headline-index" not in html and "comments" not in html


def test_the_head_reads_comments_with_contacts_escaped_and_sees_alerts(client, results_world):
    html = page_as(client, results_world.head_a, results_url(period="2026-04")).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert html.index("Phải chờ lâu") < html.index("Cán bộ hướng dẫn rất tận tình")  # newest first
    assert "Nguyễn Thị Hoa" in html and "0912345678" in html
    assert IntegrityAlert.objects.filter(unit=results_world.commune_a).count() == 1
    assert 'id="results-alerts"' in html and 'id="integrity-table"' in html
    assert "Kế hoạch khảo sát năm 2026" in html


def test_an_official_sees_the_subtree_but_no_contacts_officers_or_alerts(client, results_world):
    dossier_with_survey(unit=results_world.commune_a, officer="Trần Văn Bình")
    month = f"{timezone.localdate():%Y-%m}"
    client.force_login(results_world.official)
    province = client.get(results_url("01", "2026-Q2", subtree=1))
    html = province.content.decode()
    assert province.status_code == 200 and province.context["r"].figures.responses == 2
    assert "Phải chờ lâu" in html
    assert "Nguyễn Thị Hoa" not in html and "0912345678" not in html
    assert 'id="results-alerts"' not in html and "Viết nhận xét" not in html
    assert results_url("09556", "2026-Q2") in html  # a link down to each child
    commune = client.get(results_url("09556", month)).content.decode()
    assert "officer-table" not in commune and "Trần Văn Bình" not in commune
    assert results_url("01", month) in commune  # and one up to the province


def test_the_head_sees_each_civil_servant_lowest_first(client, results_world):
    for code, officer, score in [("HS-1", "Trần Văn Bình", 5), ("HS-2", "Lê Thị Cúc", 1)]:
        _dossier, _survey, token = dossier_with_survey(unit=results_world.commune_a, code=code, officer=officer)
        survey_answer(token=token, client_id=uuid.uuid4(), raw={f"Câu {n}": score for n in range(1, 9)})
    html = page_as(client, results_world.head_a, results_url(period=f"{timezone.localdate():%Y-%m}")).content.decode()
    table = html.split('id="officer-table"')[1]
    assert table.index("Lê Thị Cúc") < table.index("Trần Văn Bình")
    assert "0,00%" in table and "100,00%" in table
    # Administrators help heads set things up; figures per civil servant stay with the head.
    admin = page_as(client, results_world.admin_hanoi, results_url(period=f"{timezone.localdate():%Y-%m}"))
    assert admin.status_code == 200 and "officer-table" not in admin.content.decode()


@pytest.mark.parametrize("persona", ["staff_a", "staff_b", "outsider"])
def test_counter_staff_and_outsiders_get_404(client, results_world, persona):
    assert page_as(client, getattr(results_world, persona), results_url()).status_code == 404


@pytest.mark.parametrize("period", ["2026-13", "03-2026", "2026-Q5", "20260301-20260331"])
def test_a_bad_period_is_404(client, results_world, period):
    assert page_as(client, results_world.head_a, results_url(period=period)).status_code == 404


def test_the_period_picker_redirects_to_the_chosen_period(client, results_world):
    response = page_as(client, results_world.official, results_url("01", "2026-03", subtree=1, nam=2025, ky="Q4"))
    assert response.status_code == 302 and response.url == results_url("01", "2025-Q4", subtree=1)
    assert client.get(results_url(nam=2025, ky="")).url == results_url(period="2025")
    assert client.get(results_url(nam="abc", ky="01")).status_code == 404


def test_results_home_opens_the_last_complete_month(client, results_world):
    last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    response = page_as(client, results_world.head_a, reverse("reports:results_home"))
    assert response.url == results_url(period=f"{last:%Y-%m}")
    response = page_as(client, results_world.official, reverse("reports:results_home"))
    assert response.url == results_url("01", f"{last:%Y-%m}", subtree=1)
    response = page_as(client, results_world.staff_a, reverse("reports:results_home"))
    assert response.status_code == 200 and "chưa được giao vai trò đó" in response.content.decode()
    client.logout()
    assert client.get(reverse("reports:results_home")).status_code == 302  # to the login page


def test_the_public_page_shows_figures_to_anyone_and_no_comment(client, results_world):
    response = client.get(reverse("reports:public_notice", args=["09556", "2026-03"]))
    html = response.content.decode()
    assert response.status_code == 200 and "Phường Hà Đông" in html and "tháng 03/2026" in html
    assert "73,33%" in html and "50,00%" in html and 'id="public-responses">4<' in html
    april = client.get(reverse("reports:public_notice", args=["09556", "2026-04"])).content.decode()
    assert "Phải chờ lâu" not in april and "tận tình" not in april and "Nguyễn Thị Hoa" not in april
    assert "Đăng xuất" not in april and Response.objects.filter(answered_on__month=4).count() == 2


@pytest.mark.parametrize("code, month", [("99999", "2026-03"), ("09556", "2026-3"), ("09556", "2026-13")])
def test_the_public_page_404s_on_unknown_units_and_bad_months(client, results_world, code, month):
    assert client.get(reverse("reports:public_notice", args=[code, month])).status_code == 404


def test_the_public_page_has_no_month_after_the_current_one(client, results_world):
    today = timezone.localdate()
    following = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    assert client.get(reverse("reports:public_notice", args=["09556", f"{today:%Y-%m}"])).status_code == 200
    assert client.get(reverse("reports:public_notice", args=["09556", f"{following:%Y-%m}"])).status_code == 404


def test_the_page_narrows_to_a_channel_a_procedure_or_a_civil_servant(client, results_world):
    for code, officer, score in [("HS-1", "Trần Văn Bình", 5), ("HS-2", "Lê Thị Cúc", 1)]:
        _dossier, _survey, token = dossier_with_survey(unit=results_world.commune_a, code=code, officer=officer)
        survey_answer(token=token, client_id=uuid.uuid4(), raw={f"Câu {n}": score for n in range(1, 9)})
    month = f"{timezone.localdate():%Y-%m}"
    issued = page_as(client, results_world.head_a, results_url(period=month, channel="issued"))
    assert issued.context["f"].responses == 2 and issued.context["narrowed"]
    bình = client.get(results_url(period=month, officer="Trần Văn Bình")).context["f"]
    assert bình.responses == 1 and bình.index == 100.0 and bình.coverage is None
    # Only what the page offers: another unit's civil servant, a made-up channel or procedure is 404.
    for bad in [{"officer": "Người Lạ"}, {"channel": "fax"}, {"procedure": "999999"}, {"form": "khong-co"}]:
        assert client.get(results_url(period=month, **bad)).status_code == 404, bad
    # Civil servants are the head's alone: an official cannot even narrow to one.
    official = page_as(client, results_world.official, results_url(period=month, officer="Trần Văn Bình"))
    assert official.status_code == 404
