"""The comparison pages, their exports and the drill-down by factor and question: who sees what, bad input, contents."""

import datetime
import io
import re
import unicodedata
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.jobs.runner import job_run
from reports.models import ReportJob
from surveys.models import Membership, Unit
from surveys.services.answering import survey_answer
from surveys.services.form_editor import form_copy
from tests.factories import UnitFactory, UserFactory, ballots, dossier_with_survey, scored_ballots

MARCH = datetime.date(2026, 3, 10)
BEFORE_MERGER = datetime.date(2025, 6, 30)
# What the Hà Nội official must never read anywhere: Hà Tĩnh's units by name and the commune by code.
HA_TINH_NAMES = ("Hà Tĩnh", "Nam Hồng Lĩnh")
HANOI_FORM, HA_TINH_FORM = "mau-ha-dong", "mau-nam-hong-linh"


@pytest.fixture(autouse=True)
def _calendar(frozen_clock):
    """This year, this month and the provisional badge depend on the day: 16/11/2026 on every run."""


@pytest.fixture
def data(world, builtin_forms):
    """Hà Đông answers well, Dương Nội badly, Xã Nhỏ too little; Hà Tĩnh's commune answers too, all in March 2026.

    Each province has a form of its own, and a national official reads the whole country.
    """
    Unit.objects.filter(pk__in=[world.district.pk, world.old_ward.pk]).update(valid_to=BEFORE_MERGER)
    world.small = UnitFactory(code="10001", name="Xã Nhỏ", parent=world.hanoi)
    ballots(world.commune_a, scored_ballots(65, 0.9, day=MARCH))  # 58 of 65 satisfied: 89.23 %
    ballots(world.commune_b, scored_ballots(60, 0.4, day=MARCH, seed=1))
    ballots(world.small, scored_ballots(10, 1.0, day=MARCH, seed=2))
    ballots(world.commune_c, scored_ballots(40, 0.7, day=MARCH, seed=7))
    sipas = builtin_forms["sipas-5"]
    form_copy(actor=world.head_a, template=sipas, unit=world.commune_a, code=HANOI_FORM, name="Phiếu riêng Hà Đông")
    form_copy(
        actor=world.outsider, template=sipas, unit=world.commune_c, code=HA_TINH_FORM, name="Phiếu riêng Nam Hồng Lĩnh"
    )
    world.national = UserFactory(username="theodoi.toanquoc")
    Membership.objects.create(user=world.national, unit=None, role=Membership.Role.NATIONAL)
    return world


# --- URLs -----------------------------------------------------------------------------------------


def with_query(url: str, query: dict) -> str:
    return f"{url}?{urlencode(query)}" if query else url


def comparison_url(code, period="2026-03", **query):
    return with_query(reverse("reports:comparison", args=[code, period]), query)


def download_url(code, period="2026-03", fmt="xlsx", **query):
    return with_query(reverse("reports:comparison_download", args=[code, period, fmt]), query)


def results_url(code, period="2026-03", **query):
    return with_query(reverse("reports:results", args=[code, period]), query)


def factor_url(code, factor, period="2026-03", **query):
    return with_query(reverse("reports:factor", args=[code, period, factor]), query)


def question_url(code, template, question, period="2026-03", **query):
    return with_query(reverse("reports:question", args=[code, period, template, question]), query)


def province_urls(province: str, commune: str, form: str) -> list[str]:
    """Every new page and export of one province: its comparison and one of its commune's, factors, questions."""
    urls = [comparison_url(province, sort="name", order="asc", kind="phuong", channel="paper", form="sipas-5")]
    for code in (province, commune):  # the commune has no units below: its comparison is an empty table
        urls += [
            comparison_url(code),
            comparison_url(code, "2026"),
            comparison_url(code, sort="index", order="desc", channel="online", form=form),
            comparison_url(code, nam="2026", ky="Q1", sort="name"),  # the period picker
            download_url(code, fmt="xlsx"),
            download_url(code, fmt="pdf"),
            download_url(code, "2026-Q1", fmt="xlsx", sort="index", order="desc"),
            reverse("reports:comparison_latest", args=[code]),
            reverse("reports:results_latest", args=[code]),
        ]
    urls += [
        results_url(province, subtree=1),
        results_url(commune),
        factor_url(province, "officer", subtree=1),
        factor_url(province, "officer"),
        factor_url(commune, "access"),
        question_url(province, "sipas-5", "Câu 4", subtree=1),
        question_url(province, "sipas-5", "Câu 4"),
        question_url(commune, "sipas-5", "Câu 1"),
        question_url(commune, form, "Câu 1"),
    ]
    return urls


def hanoi_urls() -> list[str]:
    return province_urls("01", "09556", HANOI_FORM)


def ha_tinh_urls() -> list[str]:
    return province_urls("42", "18118", HA_TINH_FORM)


def national_urls() -> list[str]:
    return [
        reverse("reports:comparison_latest", args=["toan-quoc"]),
        comparison_url("toan-quoc"),
        comparison_url("toan-quoc", "2026", sort="name", order="asc"),
        comparison_url("toan-quoc", nam="2026", ky="Q1"),
        download_url("toan-quoc", fmt="xlsx"),
        download_url("toan-quoc", fmt="pdf"),
    ]


def fetch(client, url: str, *, follow: bool = False):
    """What a reader gets at `url`: a page or, for a comparison's file, the file its job makes.

    The file is asked for (POST), its job made here as a worker would, and its download read.
    """
    if not re.search(r"/so-sanh/[^/]+/[^/?]+\.", url):
        return client.get(url, follow=follow)
    asked = client.post(url)
    if asked.status_code != 302:
        return asked
    job = ReportJob.objects.get(key=asked["Location"].rstrip("/").rsplit("/", 1)[-1])
    job_run(job.pk)
    download = client.get(reverse("reports:job_download", args=[job.key]))
    if download.status_code != 200:
        raise AssertionError(f"{url}: job {job.status} {job.error}")
    file = HttpResponse(b"".join(download.streaming_content))
    for header, value in download.items():
        file[header] = value
    return file


def statuses(client, user, urls, *, follow: bool = False) -> dict[str, int]:
    """url → status; `follow` follows the redirects (the picker, the "latest" URLs) to the page they open."""
    client.force_login(user)
    return {url: fetch(client, url, follow=follow).status_code for url in urls}


def answered_otherwise(found: dict[str, int], expected: int) -> dict[str, int]:
    """The URLs that did not answer `expected`, with what they answered: {} when every one did."""
    return {url: status for url, status in found.items() if status != expected}


# --- What is in a file ----------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def xlsx_cells(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    return [cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def readable_text(response) -> str:
    """What a reader gets from a response: the HTML, the text of a PDF, the cells of a workbook."""
    content = response.content
    if content.startswith(b"%PDF"):
        return pdf_text(content)
    if content.startswith(b"PK"):
        return "\n".join(str(value) for value in xlsx_cells(content) if value is not None)
    return content.decode()


def mentions_ha_tinh(response) -> list[str]:
    """The traces of Hà Tĩnh in a page or a file: names, the commune's code, links or cells naming code 42."""
    text = readable_text(response)
    found = [name for name in HA_TINH_NAMES if name in text]
    found += [code for code in ("18118", HA_TINH_FORM) if code in text]
    if re.search(r"/42/|data-code=\"42\"", text):
        found.append("a link or row of unit 42")
    if response.content.startswith(b"PK") and "42" in [str(value) for value in xlsx_cells(response.content)]:
        found.append("a cell 42")
    return found


def row_codes(html: str) -> list[str]:
    """The unit codes of the comparison table's rows, top to bottom."""
    return re.findall(r'<tr data-code="([^"]+)">', html.split('id="comparison-table"')[1])


# --- 1. One province sees nothing of another ------------------------------------------------------


@pytest.mark.parametrize("persona", ["official", "admin_hanoi", "head_a", "staff_a"])
def test_hanoi_readers_find_nothing_of_ha_tinh_on_any_new_url(client, data, persona):
    found = statuses(client, getattr(data, persona), ha_tinh_urls() + national_urls())
    assert answered_otherwise(found, 404) == {}


def test_the_ha_tinh_head_finds_nothing_of_hanoi_on_any_new_url(client, data):
    found = statuses(client, data.outsider, hanoi_urls() + national_urls())
    assert answered_otherwise(found, 404) == {}


@pytest.mark.parametrize("persona", ["official", "admin_hanoi"])
def test_the_same_urls_into_their_own_province_answer(client, data, persona):
    assert answered_otherwise(statuses(client, getattr(data, persona), hanoi_urls(), follow=True), 200) == {}


def test_the_ha_tinh_head_reads_his_commune_but_not_the_province_above_it(client, data):
    found = statuses(client, data.outsider, ha_tinh_urls(), follow=True)
    commune = {url: status for url, status in found.items() if "/18118/" in url}
    province = {url: status for url, status in found.items() if "/42/" in url}
    assert commune and answered_otherwise(commune, 200) == {}
    assert province and answered_otherwise(province, 404) == {}


def test_a_counter_clerk_reads_no_comparison_or_drill_down_even_of_their_own_unit(client, data):
    assert answered_otherwise(statuses(client, data.staff_a, hanoi_urls()), 404) == {}


def test_only_the_national_official_and_the_superuser_open_the_national_comparison(client, data):
    for persona in ("national", "superuser"):
        assert answered_otherwise(statuses(client, getattr(data, persona), national_urls(), follow=True), 200) == {}
    for persona in ("official", "admin_hanoi", "head_a", "staff_a", "staff_b", "outsider"):
        assert answered_otherwise(statuses(client, getattr(data, persona), national_urls()), 404) == {}, persona


def test_no_page_or_file_of_the_hanoi_official_names_ha_tinh(client, data):
    client.force_login(data.official)
    responses = {url: fetch(client, url, follow=True) for url in hanoi_urls()}
    responses["/so-sanh/"] = client.get(reverse("reports:comparison_home"), follow=True)
    responses["/ket-qua/"] = client.get(reverse("reports:results_home"), follow=True)
    assert {url: response.status_code for url, response in responses.items() if response.status_code != 200} == {}
    assert {url: mentions_ha_tinh(response) for url, response in responses.items() if mentions_ha_tinh(response)} == {}
    # The province's own units are there, so the check above looked at real pages.
    assert "Phường Hà Đông" in responses[comparison_url("01")].content.decode()
    assert "Phường Hà Đông" in pdf_text(responses[download_url("01", fmt="pdf")].content)
    assert "Phiếu riêng Hà Đông" in responses[comparison_url("01")].content.decode()  # its own form in the filter
    # The national official sees Hà Tĩnh on the same kind of page: the check is not blind to it.
    client.force_login(data.national)
    national = client.get(comparison_url("toan-quoc"))
    assert mentions_ha_tinh(national) and "Tỉnh Hà Tĩnh" in national.content.decode()
    assert "42" in [str(value) for value in xlsx_cells(fetch(client, download_url("toan-quoc")).content)]


def test_the_comparison_home_opens_what_each_reader_may_compare(client, data):
    home = reverse("reports:comparison_home")
    for persona, target in [
        ("national", comparison_url("toan-quoc", "2026")),
        ("superuser", comparison_url("toan-quoc", "2026")),
        ("official", comparison_url("01", "2026")),
        ("admin_hanoi", comparison_url("01", "2026")),
    ]:
        client.force_login(getattr(data, persona))
        response = client.get(home)
        assert (response.status_code, response["Location"]) == (302, target), persona
    # A head of a unit without units below gets a page without a comparison, and a link to their results.
    client.force_login(data.outsider)
    response = client.get(home)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="own-results"' in html
    assert results_url("18118", "2026-10") in html and "Hà Nội" not in html.split('id="own-results"')[1]
    client.force_login(data.head_a)
    html = client.get(home).content.decode()
    assert 'id="own-results"' in html and results_url("09556", "2026-10") in html
    client.force_login(data.staff_a)
    response = client.get(home)
    assert response.status_code == 200 and 'id="own-results"' not in response.content.decode()
    # The comparison of one unit on the period ranks are made on: this year so far, provisional.
    client.force_login(data.official)
    assert client.get(reverse("reports:comparison_latest", args=["01"]))["Location"] == comparison_url("01", "2026")
    client.force_login(data.national)
    latest = client.get(reverse("reports:comparison_latest", args=["toan-quoc"]))
    assert latest["Location"] == comparison_url("toan-quoc", "2026")


# --- 2. Bad input is 404, and never reaches SQL ---------------------------------------------------


BAD_QUERIES = [
    {"sort": "khong-co-cot"},
    {"order": "sideways"},
    {"kind": "khong-co"},
    {"kind": "tinh"},  # a Division, but no province lies under Hà Nội
    {"channel": "fax"},
    {"nam": "2026", "ky": "Q9"},
    {"nam": "khong-co-nam"},
]
BAD_PERIODS = ["2026-13", "0001-01", "9999-12", "2026-Q5", "20260101-20260131", "2026-00", "26-03"]


@pytest.mark.parametrize("query", BAD_QUERIES, ids=lambda query: urlencode(query))
def test_a_bad_filter_or_sorting_is_404_and_never_reaches_sql(client, data, query):
    client.force_login(data.official)
    for url in (comparison_url("01", **query), download_url("01", **query), download_url("01", fmt="pdf", **query)):
        if "nam" in query and "so-sanh/01/2026-03." in url:
            continue  # the downloads have no picker
        with CaptureQueriesContext(connection) as queries:
            response = fetch(client, url)
        assert response.status_code == 404, url
        bad = [value for value in query.values() if value not in ("2026",)]
        assert not [sql["sql"] for sql in queries if any(value in sql["sql"] for value in bad)], url


@pytest.mark.parametrize("period", BAD_PERIODS)
def test_a_period_that_is_not_one_is_404_and_never_reaches_sql(client, data, period):
    client.force_login(data.official)
    for url in (
        comparison_url("01", period),
        download_url("01", period, fmt="xlsx"),
        download_url("01", period, fmt="pdf"),
        comparison_url("toan-quoc", period),
        results_url("01", period),
        factor_url("01", "officer", period),
        question_url("01", "sipas-5", "Câu 4", period),
    ):
        with CaptureQueriesContext(connection) as queries:
            response = fetch(client, url)
        assert response.status_code == 404, url
        assert not [sql["sql"] for sql in queries if period in sql["sql"]], url


def test_a_form_out_of_reach_is_404_as_a_filter_and_as_a_question(client, data):
    client.force_login(data.official)
    assert client.get(comparison_url("01", form=HANOI_FORM)).status_code == 200
    assert client.get(comparison_url("01", form=HA_TINH_FORM)).status_code == 404
    assert client.get(comparison_url("01", form="khong-co")).status_code == 404
    assert fetch(client, download_url("01", form=HA_TINH_FORM)).status_code == 404
    assert client.get(question_url("09556", HANOI_FORM, "Câu 1")).status_code == 200
    assert client.get(question_url("01", HA_TINH_FORM, "Câu 1")).status_code == 404
    assert client.get(question_url("01", "khong-co", "Câu 1")).status_code == 404


def test_an_unknown_factor_question_or_format_is_404(client, data):
    client.force_login(data.official)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(factor_url("01", "khong-co-yeu-to")).status_code == 404
    assert not [sql["sql"] for sql in queries if "khong-co-yeu-to" in sql["sql"]]
    assert client.get(factor_url("01", "OFFICER")).status_code == 404
    assert client.get(question_url("01", "sipas-5", "Câu 99")).status_code == 404
    assert client.get(question_url("01", "sipas-5", "Thủ tục")).status_code == 404  # asked, but not counted
    for fmt in ("docx", "csv", "xlsx.pdf", "PDF"):
        assert fetch(client, download_url("01", fmt=fmt)).status_code == 404, fmt
    assert client.get(download_url("01")).status_code == 405  # a file is asked for with POST: it starts a job
    assert client.get(comparison_url("khong-co-don-vi")).status_code == 404


@pytest.mark.parametrize("name", ["sort", "order", "kind", "form", "channel", "nam", "ky"])
def test_a_nul_byte_in_a_query_parameter_is_not_a_server_error(client, data, name):
    client.force_login(data.official)
    query = f"{name}=ab%00cd" if name != "ky" else "nam=2026&ky=Q1%00"
    paths = [comparison_url("01"), comparison_url("toan-quoc")]
    if name not in ("nam", "ky"):  # the downloads have no period picker, and ignore it
        paths += [download_url("01"), download_url("01", fmt="pdf")]
    for path in paths:
        response = fetch(client, f"{path}?{query}")
        assert response.status_code == 400, (path, query)
    client.force_login(data.national)
    assert client.get(f"{comparison_url('toan-quoc')}?{query}").status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/so-sanh/01%00/",
        "/so-sanh/01%00/2026-03/",
        "/so-sanh/01%00/2026-03.xlsx",
        "/so-sanh/01/2026-03%00/",
        "/so-sanh/01/2026-03.xlsx%00",
        "/ket-qua/01%00/",
        "/ket-qua/01%00/2026-03/",
        "/ket-qua/01/2026-03/yeu-to/officer%00/",
        "/ket-qua/01/2026-03/cau/sipas-5%00/C%C3%A2u%204/",
        "/ket-qua/01/2026-03/cau/sipas-5/C%C3%A2u%204%00/",
    ],
)
def test_a_nul_byte_in_the_path_is_not_a_server_error(client, data, url):
    client.force_login(data.official)
    assert client.get(url).status_code == 400


# --- 3. Sorting, filters, empty and provisional periods -------------------------------------------


def test_sorting_by_name_and_by_index_orders_the_rows_and_marks_the_header(client, data):
    client.force_login(data.official)
    by_rank = client.get(comparison_url("01")).content.decode()
    assert row_codes(by_rank) == ["09556", "09886", "10001"]  # ranked first, the unit with too few ballots last
    by_name = client.get(comparison_url("01", sort="name", order="asc")).content.decode()
    assert row_codes(by_name) == ["09886", "09556", "10001"]  # Dương Nội, Hà Đông, Xã Nhỏ
    headers = re.findall(r"<th scope=\"col\"([^>]*)>\s*<a href=\"[^\"]*\" data-sort=\"([^\"]+)\"", by_name)
    assert [(key, attrs) for attrs, key in headers if "aria-sort" in attrs] == [
        ("name", ' aria-sort="ascending" class=""')
    ]
    by_index = client.get(comparison_url("01", sort="index", order="desc")).content.decode()
    assert row_codes(by_index) == ["10001", "09556", "09886"]  # Xã Nhỏ's 10 ballots are all satisfied
    assert re.search(r'aria-sort="descending"[^>]*>\s*<a href="[^"]*" data-sort="index"', by_index)
    assert len(re.findall("aria-sort=", by_index)) == 1
    # The header of the current sort turns it round; the others keep the filters and start their own way.
    assert 'href="?sort=index&amp;order=asc" data-sort="index"' in by_index
    filtered = client.get(comparison_url("01", kind="phuong", sort="name", order="asc")).content.decode()
    assert 'href="?kind=phuong&amp;sort=responses&amp;order=desc" data-sort="responses"' in filtered
    assert 'href="?kind=phuong&amp;sort=name&amp;order=desc" data-sort="name"' in filtered


def test_the_kind_filter_keeps_only_wards(client, data):
    client.force_login(data.official)
    response = client.get(comparison_url("01", kind="phuong"))
    assert row_codes(response.content.decode()) == ["09556", "09886"]
    assert {row.unit.code for row in response.context["table"].rows} == {"09556", "09886"}
    communes = client.get(comparison_url("01", kind="xa"))
    assert row_codes(communes.content.decode()) == ["10001"]


def test_the_online_channel_counts_only_online_ratings(client, data):
    ballots(data.commune_b, scored_ballots(5, 1.0, day=MARCH, seed=6), channel="online")
    client.force_login(data.official)
    response = client.get(comparison_url("01", channel="online"))
    html = response.content.decode()
    rows = {row.unit.code: row.figures.responses for row in response.context["table"].rows}
    assert rows == {"09556": 0, "09886": 5, "10001": 0}
    assert row_codes(html) == ["09886"]
    assert 'id="silent-units"' in html and "Phường Hà Đông" in html.split('id="silent-units"')[1]
    every = client.get(comparison_url("01")).context["table"]
    assert {row.unit.code: row.figures.responses for row in every.rows} == {"09556": 65, "09886": 65, "10001": 10}
    # The export counts the same.
    cells = load_workbook(io.BytesIO(fetch(client, download_url("01", channel="online")).content))["So sánh"]
    assert [(row[2], row[4]) for row in cells.iter_rows(min_row=2, values_only=True)] == [
        ("09886", 5),
        ("09556", 0),
        ("10001", 0),
    ]


def test_the_picker_keeps_the_filters_and_the_sorting(client, data):
    client.force_login(data.official)
    response = client.get(
        comparison_url("01", nam="2026", ky="Q1", kind="phuong", channel="paper", sort="name", order="asc", other="x")
    )
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == reverse("reports:comparison", args=["01", "2026-Q1"])
    assert parse_qs(target.query) == {"kind": ["phuong"], "channel": ["paper"], "sort": ["name"], "order": ["asc"]}
    whole_year = client.get(comparison_url("01", nam="2025", ky=""))
    assert whole_year["Location"] == comparison_url("01", "2025")


def test_an_empty_period_says_so_in_words(client, data):
    client.force_login(data.official)
    html = client.get(comparison_url("01", "2026-01")).content.decode()
    assert 'id="comparison-empty"' in html
    assert "Chưa có phiếu nào trong tháng 01/2026 ở các đơn vị này." in html
    assert row_codes(html) == [] and 'id="comparison-summary"' not in html and 'id="heatmap"' not in html
    assert 'id="comparison-empty"' not in client.get(comparison_url("01")).content.decode()


def test_the_unfinished_period_is_marked_provisional_and_a_past_one_is_not(client, data):
    client.force_login(data.official)
    for period in ("2026", "2026-11", "2026-Q4"):
        assert 'id="provisional"' in client.get(comparison_url("01", period)).content.decode(), period
    for period in ("2025", "2026-10", "2026-03", "2026-Q3"):
        assert 'id="provisional"' not in client.get(comparison_url("01", period)).content.decode(), period
    client.force_login(data.national)
    assert 'id="provisional"' in client.get(comparison_url("toan-quoc", "2026")).content.decode()


# --- 4. The exports -------------------------------------------------------------------------------


def test_the_workbook_has_a_row_per_unit_with_numbers_as_numbers_and_heatmap_colours(client, data):
    client.force_login(data.official)
    response = fetch(client, download_url("01"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="so-sanh-01-2026-03.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["So sánh"]
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["Hạng", "Nhóm", "Mã", "Đơn vị"] and header[-1] == "Thay đổi (điểm)"
    responses, index = header.index("Số phiếu"), header.index("Chỉ số SIPAS (%)")
    factors = [number for number, title in enumerate(header) if title.endswith("(%)") and number > index]
    assert len(factors) == 5
    rows = {row[2].value: row for row in sheet.iter_rows(min_row=2)}
    assert list(rows) == ["09556", "09886", "10001"] and sheet.max_row == 4
    best, small = rows["09556"], rows["10001"]
    assert (best[0].value, best[3].value) == ("1", "Phường Hà Đông")
    assert (small[0].value, small[1].value) == ("chưa đủ phiếu", None)
    assert type(best[responses].value) is int and best[responses].value == 65
    assert best[responses].number_format == "#,##0"
    assert type(best[index].value) is float and best[index].number_format == "0.00"  # shown 89.23
    expected = client.get(comparison_url("01")).context["table"].rows[0].figures.index
    assert round(expected, 2) == 89.23 and best[index].value == pytest.approx(expected)
    for row in rows.values():
        for number in factors:
            cell = row[number]
            # A whole percentage (Dương Nội's 40 %) comes back from the file as an int; the format says 2 decimals.
            assert type(cell.value) in (int, float) and cell.number_format == "0.00"
            assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb not in (None, "00000000"), cell.coordinate
    # The heatmap's colours follow the value: the best and the worst unit's cells differ.
    worst = rows["09886"]
    assert best[factors[0]].fill.fgColor.rgb != worst[factors[0]].fill.fgColor.rgb
    for each in workbook.worksheets:
        setup = each.page_setup
        assert (setup.orientation, str(setup.paperSize)) == ("landscape", str(each.PAPERSIZE_A4)), each.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0) and each.sheet_properties.pageSetUpPr.fitToPage


def test_the_pdf_is_a_landscape_summary_in_vietnamese(client, data):
    client.force_login(data.official)
    response = fetch(client, download_url("01", fmt="pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert all(page.mediabox.width > page.mediabox.height for page in pages)
    text = pdf_text(response.content)
    assert "BẢNG TỔNG HỢP" in text and "Phường Hà Đông" in text and "Phường Dương Nội" in text
    assert "chưa đủ phiếu" in text and "tháng 03/2026" in text
    national = fetch(client, download_url("toan-quoc", fmt="pdf"))
    assert national.status_code == 404
    client.force_login(data.national)
    text = pdf_text(fetch(client, download_url("toan-quoc", fmt="pdf")).content)
    assert "BẢNG TỔNG HỢP" in text and "Thành phố Hà Nội" in text and "Tỉnh Hà Tĩnh" in text


def test_the_exports_follow_the_filters_and_the_sorting_of_the_page(client, data):
    client.force_login(data.official)
    page = client.get(comparison_url("01", kind="phuong", sort="name", order="asc")).content.decode()
    downloads = page.split('id="comparison-downloads"')[1]
    link = download_url("01", kind="phuong", sort="name", order="asc").replace("&", "&amp;")
    assert link in downloads and link.replace(".xlsx", ".pdf") in downloads
    sheet = load_workbook(
        io.BytesIO(fetch(client, download_url("01", kind="phuong", sort="name", order="asc")).content)
    )
    assert [row[2] for row in sheet["So sánh"].iter_rows(min_row=2, values_only=True)] == ["09886", "09556"]


# --- 5. Drill-down: factor and question pages, breadcrumbs ----------------------------------------


@pytest.fixture
def officers(data):
    """Two issued surveys of Hà Đông answered this month (November 2026), naming the civil servants."""
    for code, officer, score in [("HS-1", "Trần Văn Bình", 5), ("HS-2", "Lê Thị Cúc", 1)]:
        _dossier, _survey, token = dossier_with_survey(unit=data.commune_a, code=code, officer=officer)
        survey_answer(token=token, client_id=uuid.uuid4(), raw={f"Câu {n}": score for n in range(1, 9)})
    return data


def test_the_question_page_shows_civil_servants_to_the_head_alone(client, officers):
    url = question_url("09556", "sipas-5", "Câu 4", "2026-11")
    client.force_login(officers.head_a)
    head = client.get(url).content.decode()
    assert 'id="by-officer"' in head and 'id="by-procedure"' in head and 'id="by-field"' in head
    table = head.split('id="by-officer"')[1].split("</table>")[0]
    assert table.index("Lê Thị Cúc") < table.index("Trần Văn Bình")  # lowest first
    client.force_login(officers.official)
    official = client.get(url).content.decode()
    assert 'id="by-procedure"' in official and 'id="by-field"' in official
    assert 'id="by-officer"' not in official and "Trần Văn Bình" not in official and "Lê Thị Cúc" not in official
    client.force_login(officers.admin_hanoi)
    admin = client.get(url).content.decode()
    assert 'id="by-procedure"' in admin and 'id="by-officer"' not in admin
    client.force_login(officers.superuser)
    assert 'id="by-officer"' not in client.get(url).content.decode()  # personal: a head's membership alone


def test_the_provinces_question_page_ranks_its_units_on_that_question(client, data):
    client.force_login(data.official)
    response = client.get(question_url("01", "sipas-5", "Câu 4", subtree=1))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="unit-ranking"' in html
    ranking = html.split('id="unit-ranking"')[1].split("</table>")[0]
    assert ranking.index("Phường Hà Đông") < ranking.index("Phường Dương Nội") < ranking.index("Xã Nhỏ")
    assert "chưa đủ phiếu" in ranking
    assert response.context["d"].units.measure.code == "Câu 4"
    # A commune has no units below: no ranking.
    assert 'id="unit-ranking"' not in client.get(question_url("09556", "sipas-5", "Câu 4")).content.decode()


def test_the_provinces_question_page_ranks_its_units_without_subtree_like_its_factor_page(client, data):
    client.force_login(data.official)
    assert 'id="unit-ranking"' in client.get(factor_url("01", "officer")).content.decode()
    assert 'id="unit-ranking"' in client.get(question_url("01", "sipas-5", "Câu 4")).content.decode()


def test_the_factor_page_lists_its_questions_linking_to_their_pages(client, data):
    client.force_login(data.official)
    html = client.get(factor_url("01", "officer", subtree=1)).content.decode()
    questions = html.split('id="factor-questions"')[1].split("</table>")[0]
    for code in ("Câu 4", "Câu 5"):
        assert f'href="{question_url("01", "sipas-5", code)}?subtree=1"' in questions
    assert "Câu 1" not in questions  # a question of another factor
    assert 'id="unit-ranking"' in html
    commune = client.get(factor_url("09556", "access")).content.decode()
    assert f'href="{question_url("09556", "sipas-5", "Câu 1")}"' in commune.split('id="factor-questions"')[1]


def test_the_results_page_has_breadcrumbs_and_a_link_to_the_comparison(client, data):
    client.force_login(data.official)
    province = client.get(results_url("01", subtree=1)).content.decode()
    assert 'id="breadcrumbs"' in province
    assert re.search(rf'<a href="{comparison_url("01")}" id="compare-link">', province)
    commune = client.get(results_url("09556")).content.decode()
    crumbs = commune.split('id="breadcrumbs"')[1].split("</ol>")[0]
    assert f'<a href="{results_url("01")}?subtree=1">Thành phố Hà Nội</a>' in crumbs
    assert 'aria-current="page">Phường Hà Đông</li>' in crumbs and "Toàn quốc" not in crumbs
    assert 'id="compare-link"' not in commune  # nothing below Hà Đông to compare
    client.force_login(data.head_a)
    head = client.get(results_url("09556")).content.decode()
    assert "Thành phố Hà Nội" not in head.split('id="breadcrumbs"')[1].split("</ol>")[0]


def breadcrumbs(html: str) -> list[tuple[str, str]]:
    """(url, name) of each breadcrumb, top first; the last one, the page itself, has no url."""
    trail = html.split('id="breadcrumbs"')[1].split("</ol>")[0]
    return re.findall(r'<li class="breadcrumb-item[^"]*"[^>]*>(?:<a href="([^"]*)">)?([^<]+)', trail)


def test_a_national_officials_breadcrumbs_start_with_the_country(client, data):
    client.force_login(data.national)
    country, hanoi = (comparison_url("toan-quoc"), "Toàn quốc"), (results_url("01", subtree=1), "Thành phố Hà Nội")
    assert breadcrumbs(client.get(results_url("09556")).content.decode()) == [country, hanoi, ("", "Phường Hà Đông")]
    factor = client.get(factor_url("01", "officer", subtree=1)).content.decode()
    assert breadcrumbs(factor) == [country, (results_url("01", subtree=1), "Thành phố Hà Nội"), ("", "Công chức")]
    question = breadcrumbs(client.get(question_url("01", "sipas-5", "Câu 4")).content.decode())
    province, officer = (results_url("01"), "Thành phố Hà Nội"), (factor_url("01", "officer"), "Công chức")
    assert question == [country, province, officer, ("", "Câu 4")]
    assert breadcrumbs(client.get(comparison_url("01")).content.decode()) == [
        country,
        ("", "Thành phố Hà Nội"),
    ]
    assert breadcrumbs(client.get(comparison_url("toan-quoc")).content.decode()) == [("", "Toàn quốc")]
    # A province official's trail starts at the province.
    client.force_login(data.official)
    assert breadcrumbs(client.get(results_url("09556")).content.decode())[0] == hanoi


# --- 6. Queries do not grow with the units --------------------------------------------------------


def test_the_comparison_page_asks_as_many_queries_for_30_units_as_for_3(client, data):
    client.force_login(data.official)
    urls = [comparison_url("01"), download_url("01", fmt="xlsx")]
    for url in urls:
        fetch(client, url)  # warm the caches of a first request
    few = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = fetch(client, url)
        few[url] = len(queries)
        if url == urls[0]:
            assert len(response.context["table"].rows) == 3
    for number in range(27):
        unit = UnitFactory(code=f"{20000 + number}", name=f"Xã Thêm {number}", parent=data.hanoi)
        ballots(unit, scored_ballots(3 + number, 0.5, day=MARCH, seed=number))
    many = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = fetch(client, url)
        many[url] = len(queries)
        if url == urls[0]:
            assert len(response.context["table"].rows) == 30 and len(row_codes(response.content.decode())) == 30
    assert many == few
