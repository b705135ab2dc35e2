"""Counter staff add a resolved dossier in a real browser and land on its slip, whose QR code a phone can read."""

from io import BytesIO

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from surveys.models import Counter, Dossier, IssuedSurvey, Procedure, ProcedureField
from surveys.services.forms import forms_load
from tests.browser.test_home import log_in
from tests.conftest import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_add_a_dossier_print_its_slip_and_the_qr_reads_as_the_printed_link(live_server, page, screenshot):
    world = make_world()
    forms_load()
    field = ProcedureField.objects.create(name="Hộ tịch")
    birth = Procedure(code="1.001193", name="Thủ tục đăng ký khai sinh", field=field, level=Procedure.Level.COMMUNE)
    birth.set_derived_fields()
    birth.save()
    Counter.objects.create(unit=world.commune_a, name="Quầy 1")
    Counter.objects.create(unit=world.commune_a, name="Quầy 2")
    log_in(page, live_server, world.staff_a.username)
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/ho-so/them/")
    page.fill("#id_dossier_code", "000.00.12.H26-260305-0001")
    page.fill("#id_procedure", "dang ky khai")
    # The catalogue is offered while typing, without diacritics.
    expect(page.locator("#procedure-options option[value='Thủ tục đăng ký khai sinh']")).to_have_count(1)
    page.fill("#id_procedure", "Thủ tục đăng ký khai sinh")
    page.fill("#id_officer", "Nguyễn Thị Hoa")
    page.check("input[name=on_time][value=false]")
    expect(page.locator("#id_issue_now")).to_be_checked()
    page.select_option("#id_counter", label="Quầy 2")
    page.click("#dossier-form button[type=submit]")

    page.wait_for_url(f"{live_server.url}/ho-so/*/phieu/")
    dossier = Dossier.objects.get()
    assert dossier.procedure == birth and not dossier.on_time and dossier.officer == "Nguyễn Thị Hoa"
    assert IssuedSurvey.objects.get(dossier=dossier).counter.name == "Quầy 2"
    slip = page.locator("#survey-slip")
    expect(slip.get_by_text("PHIẾU KHẢO SÁT SỰ HÀI LÒNG")).to_be_visible()
    expect(slip.get_by_text("PHƯỜNG HÀ ĐÔNG")).to_be_visible()
    expect(slip.get_by_text("000.00.12.H26-260305-0001")).to_be_visible()
    expect(slip.get_by_text("Hiệu lực đến", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="In phiếu")).to_be_visible()
    expect(page.locator("#id_counter")).to_have_value(str(Counter.objects.get(name="Quầy 2").pk))
    page.wait_for_function("document.getElementById('slip-qr').naturalWidth > 0")
    link = page.locator("#survey-link").inner_text().strip()
    assert link.startswith(f"{live_server.url}/p/")

    path = screenshot("survey-slip")
    [barcode] = zxingcpp.read_barcodes(Image.open(path))
    assert barcode.text == link

    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_role("button", name="In phiếu")).to_be_hidden()
    expect(slip).to_be_visible()
    path = screenshot("survey-slip-print")
    [barcode] = zxingcpp.read_barcodes(Image.open(path))
    assert barcode.text == link

    # Printed, the slip is one 80 mm page exactly as long as the slip, whatever the procedure's name.
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    [printed] = PdfReader(BytesIO(page.pdf(prefer_css_page_size=True))).pages
    width, height = (float(side) * 25.4 / 72 for side in (printed.mediabox.width, printed.mediabox.height))
    assert round(width) == 80 and 100 < height < 160
    assert "PHIẾU KHẢO SÁT SỰ HÀI LÒNG" in printed.extract_text() and "SIPAS" not in printed.extract_text()
