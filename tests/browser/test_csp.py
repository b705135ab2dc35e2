"""The key pages work in Chromium under the Content-Security-Policy: nothing refused, no script error.

Each context collects the policy's refusals (securitypolicyviolation events), console errors and
uncaught script errors while a person uses the page; a control first shows the policy is enforced.
"""

import datetime
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports.models import ReportJob
from surveys.models import Batch, BoxOpening, FormTemplate, Procedure, ProcedureField
from surveys.services.form_editor import form_copy
from surveys.services.forms import forms_load
from surveys.services.kiosks import counter_create, kiosk_pairing_start
from tests.browser.conftest import csp_violations
from tests.browser.test_ballot_entry import start_typing, type_ballot
from tests.browser.test_home import log_in
from tests.browser.test_kiosk import answer_every_question, retrying, survey_at
from tests.browser.test_results_page import fill_month
from tests.conftest import make_world
from tests.factories import UnitFactory, ballots, dossier_with_survey, scored_ballots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN"}
PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True, "locale": "vi-VN"}
TABLET = {"viewport": {"width": 800, "height": 1280}, "has_touch": True, "locale": "vi-VN"}


def watched(browser, **options):
    """A new browser context, and the list where its refusals, console errors and script errors go."""
    context = browser.new_context(**options)
    problems = csp_violations(context)
    context.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    context.on("weberror", lambda error: problems.append(f"script error: {error.error}"))
    return context, problems


def test_the_policy_refuses_inline_code_and_the_watch_sees_it(live_server, browser):
    make_world()
    context, problems = watched(browser, **DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/dang-nhap/")
    ran = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
            document.body.setAttribute("style", "background: red");
            return window.inlineRan === true || getComputedStyle(document.body).backgroundColor === "rgb(255, 0, 0)";
        }"""
    )
    assert ran is False
    expect(page.locator("#id_username")).to_be_visible()
    refused = " ".join(problems)
    assert "script-src-elem refused inline" in refused and "style-src-attr refused inline" in refused
    context.close()


def test_counter_staff_register_print_and_type_with_nothing_refused(live_server, browser, builtin_forms):
    world = make_world()
    opening = BoxOpening.objects.create(
        unit=world.commune_a,
        opened_at=timezone.now(),
        place="Bộ phận Một cửa phường Hà Đông",
        seal_intact=True,
        ballot_count=2,
        recorded_by=world.staff_a,
    )
    version = FormTemplate.objects.get(code="sipas-5", unit__isnull=True).current_version()
    batch = Batch.objects.create(unit=world.commune_a, opening=opening, version=version, created_by=world.staff_a)
    field = ProcedureField.objects.create(name="Hộ tịch")
    birth = Procedure(code="1.001193", name="Thủ tục đăng ký khai sinh", field=field, level=Procedure.Level.COMMUNE)
    birth.set_derived_fields()
    birth.save()
    context, problems = watched(browser, **DESKTOP)
    page = context.new_page()

    start_typing(page, live_server, batch)
    type_ballot(page, "55443322")
    expect(page.locator("#typed-count")).to_have_text("1")
    # The dossier form asks the catalogue while typing (procedure-suggest.js).
    page.goto(f"{live_server.url}/ho-so/them/")
    page.fill("#id_dossier_code", "HS-CSP-1")
    page.fill("#id_procedure", "dang ky khai")
    expect(page.locator("#procedure-options option[value='Thủ tục đăng ký khai sinh']")).to_have_count(1)
    page.fill("#id_procedure", "Thủ tục đăng ký khai sinh")
    page.fill("#id_officer", "Nguyễn Thị Hoa")
    page.check("input[name=on_time][value=true]")
    page.click("#dossier-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/ho-so/*/phieu/")

    # The slip's print button and its page length come from survey-slip.js.
    page.evaluate("window.print = () => { window.printed = true; }")
    page.click("#print-slip")
    assert page.evaluate("window.printed") is True
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("[...document.adoptedStyleSheets].some((sheet) => sheet.cssRules[0]?.type === 6)")
    assert problems == []
    context.close()


def test_results_comparison_editor_and_job_pages_with_nothing_refused(live_server, browser, frozen_clock):
    world = make_world()
    forms_load()
    month = frozen_clock.replace(day=1)
    fill_month(world, month)
    for seed, (code, name) in enumerate([("00004", "Phường Ba Đình"), ("00008", "Phường Ngọc Hà")]):
        ward = UnitFactory(code=code, name=name, parent=world.hanoi)
        ballots(ward, scored_ballots(40, 0.6 + seed / 5, day=month + datetime.timedelta(days=3), seed=seed))
    sipas5 = FormTemplate.objects.get(code="sipas-5", unit__isnull=True)
    form_copy(actor=world.head_a, template=sipas5, unit=world.commune_a, code="sipas-5-09556", name="Phiếu Hà Đông")
    job = ReportJob.objects.create(
        kind="notices",
        unit=world.hanoi,
        params={"period": f"{month:%Y-%m}"},
        total=4,
        done=1,
        status="running",
        requested_by=world.official,
    )
    context, problems = watched(browser, **DESKTOP)
    page = context.new_page()

    log_in(page, live_server, world.head_a.username)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/ket-qua/09556/{month:%Y-%m}/")
    expect(page.locator("#factor-chart svg")).to_be_visible()
    page.locator("#results-filters summary").click()
    page.goto(f"{live_server.url}/mau-phieu/sipas-5-09556/sua/")
    with page.expect_navigation():
        page.get_by_role("button", name="Chuyển câu Câu 8 lên").click()
    expect(page.locator("#questions")).to_contain_text("Câu 8")
    page.goto(f"{live_server.url}/mau-phieu/sipas-5-09556/xem-truoc/")
    expect(page.locator("form.citizen-form")).to_be_visible()

    context.clear_cookies()
    log_in(page, live_server, world.official.username)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/so-sanh/01/{month:%Y-%m}/")
    expect(page.locator("#comparison-table")).to_be_visible()
    # The progress bar's width is set by progress-bars.js, again each time htmx swaps in the polled fragment.
    page.goto(f"{live_server.url}/tao-hang-loat/{job.key}/")
    expect(page.locator("#job-progress .progress-bar")).to_have_attribute("style", "width: 25%;")
    retrying(lambda: ReportJob.objects.filter(pk=job.pk).update(done=3))
    expect(page.locator("#job-progress .progress-bar")).to_have_attribute("style", "width: 75%;", timeout=5_000)
    assert problems == []
    context.close()


def test_a_citizen_phone_and_a_counter_tablet_with_nothing_refused(live_server, browser, builtin_forms):
    world = make_world()
    _dossier, _survey, token = dossier_with_survey(unit=world.commune_a, code="HS-CSP-2")
    phone, problems = watched(browser, **PHONE)
    page = phone.new_page()
    page.goto(f"{live_server.url}/p/{token}/")
    answer_every_question(page)
    page.get_by_role("button", name="Gửi đánh giá").tap()
    expect(page.locator("#citizen-done")).to_be_visible()
    assert problems == []
    phone.close()

    # The tablet reads its settings from a JSON data block (json_script): data the policy leaves alone.
    counter = counter_create(actor=world.head_a, unit=world.commune_a, name="Quầy 1")
    _kiosk, code = kiosk_pairing_start(actor=world.head_a, counter=counter)
    tablet, problems = watched(browser, **TABLET)
    tab = tablet.new_page()
    tab.goto(f"{live_server.url}/may-tinh-bang/")
    tab.fill("#id_code", code)
    tab.get_by_role("button", name="Ghép nối").click()
    expect(tab.locator("#kiosk-counter")).to_have_text("Quầy 1")
    expect(tab.locator("script#kiosk-config[type='application/json']")).to_have_count(1)
    # The offline worker registers (worker-src 'self').
    tab.wait_for_function("async () => !!(await navigator.serviceWorker.getRegistration())?.active")
    _dossier, _survey, token = survey_at(counter, f"HS-CSP-{uuid.uuid4().hex[:4]}")
    tab.wait_for_url(f"{live_server.url}/p/{token}/", timeout=10_000)
    answer_every_question(tab)
    tab.locator("#citizen-form [type=submit]").click()
    expect(tab.locator("#kiosk-thanks")).to_be_visible()
    assert problems == []
    tablet.close()
