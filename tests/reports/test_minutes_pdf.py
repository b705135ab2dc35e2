import datetime
import io
import subprocess
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation
from pypdf import PdfReader

from reports.dates import vn_date
from reports.numbers import vn_number_words
from reports.renderers.letterhead import letterhead_for
from reports.renderers.minutes import BoxOpeningMinutes
from surveys.models import Unit
from surveys.services.ballots import box_opening_record
from tests.factories import UnitFactory

MINUTES_PNG = Path(settings.BASE_DIR) / "artifacts" / "minutes"
A4_POINTS = (595.28, 841.89)
BROKEN_SEAL = "Niêm phong bị rách một góc; đã báo cáo Thường trực UBND phường."
WITNESSES = [
    ("Nguyễn Văn Dũng", "Trưởng bộ phận Một cửa"),
    ("Lê Thị Thúy Hằng", "Đại diện Ủy ban MTTQ phường"),
    ("Phạm Quốc Việt", "Công chức Văn phòng - Thống kê"),
]


@pytest.fixture
def record(world, builtin_forms):
    """Record an opening of commune A's box by its counter clerk, Trần Thị Hạnh."""
    world.staff_a.first_name = "Trần Thị Hạnh"
    world.staff_a.save()

    def record(**overrides):
        fields = {
            "opened_at": timezone.make_aware(datetime.datetime(2026, 11, 5, 8, 30)),
            "place": "Bộ phận Một cửa Phường Hà Đông",
            "seal_intact": True,
            "seal_note": "",
            "ballot_count": 37,
            "key_keeper": "Văn phòng HĐND và UBND phường",
            "witnesses": WITNESSES,
        }
        return box_opening_record(
            actor=world.staff_a,
            unit=world.commune_a,
            version=builtin_forms["sipas-5"].current_version(),
            **(fields | overrides),
        )

    return record


def read(content: bytes) -> tuple[PdfReader, str]:
    """The PDF and its text, with line breaks and spaces folded so sentences read whole."""
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(unicodedata.normalize("NFC", text).split())


def font_names(reader: PdfReader) -> set[str]:
    return {
        str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }


def test_the_minutes_are_an_a4_pdf_in_liberation_serif_with_vietnamese_text(record):
    filename, mimetype, content = BoxOpeningMinutes(record()).generate()
    assert filename == "bien-ban-mo-hom-phieu-09556-20261105-0830.pdf"
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    reader, text = read(content)
    assert len(reader.pages) == 1
    assert (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)) == pytest.approx(
        A4_POINTS, abs=0.5
    )
    for expected in [
        "UBND THÀNH PHỐ HÀ NỘI ỦY BAN NHÂN DÂN PHƯỜNG HÀ ĐÔNG Số: ……/BB-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc Hà Đông, ngày 05 tháng 11 năm 2026",
        "BIÊN BẢN Mở hòm phiếu khảo sát lấy ý kiến người dân, tổ chức",
        "Hồi 08 giờ 30 phút, ngày 05 tháng 11 năm 2026, tại Bộ phận Một cửa Phường Hà Đông",
        "sự phục vụ hành chính của Phường Hà Đông.",
        "1 Nguyễn Văn Dũng Trưởng bộ phận Một cửa",
        "2 Lê Thị Thúy Hằng Đại diện Ủy ban MTTQ phường",
        "Kết quả: Khóa và niêm phong còn nguyên vẹn.",
        "kiểm đếm được 37 (ba mươi bảy) phiếu khảo sát.",
        "Chìa khóa hòm phiếu được bàn giao cho Văn phòng HĐND và UBND phường quản lý.",
        "NGƯỜI LẬP BIÊN BẢN (Ký, ghi rõ họ tên) Trần Thị Hạnh",
        "Nơi nhận: - Lãnh đạo Phường Hà Đông;",
    ]:
        assert expected in text
    # Every glyph, Vietnamese marks included, comes from Liberation Serif: no fallback font slipped in.
    # WeasyPrint names the subsets "ABCDEF+Liberation-Serif-Bold" and so on.
    names = font_names(reader)
    assert names and all(name.split("+")[1].replace("-", "").startswith("LiberationSerif") for name in names)


def test_a_broken_seal_is_written_into_the_minutes_with_its_note(record):
    _, text = read(BoxOpeningMinutes(record(seal_intact=False, seal_note=BROKEN_SEAL)).generate()[2])
    assert f"Phát hiện dấu hiệu nghi ngờ về sự an toàn của hòm phiếu: {BROKEN_SEAL}" in text
    assert "còn nguyên vẹn" not in text


def test_minutes_recorded_during_the_opening_carry_their_end_time(record):
    # Opened at midnight today, recorded just now: the same day, so the time printed is the recording time.
    opening = record(opened_at=timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0))
    ended = timezone.localtime(opening.created)
    _, text = read(BoxOpeningMinutes(opening).generate()[2])
    assert f"Biên bản kết thúc hồi {ended:%H} giờ {ended:%M} phút cùng ngày" in text


def test_minutes_recorded_on_a_later_day_leave_the_end_time_to_the_pen(record):
    _, text = read(BoxOpeningMinutes(record()).generate()[2])
    assert "Biên bản kết thúc hồi …… giờ …… phút cùng ngày" in text


def test_the_minutes_stay_vietnamese_for_a_reader_of_the_english_site(record):
    with translation.override("en"):
        _, text = read(BoxOpeningMinutes(record()).generate()[2])
    assert "Hà Đông, ngày 05 tháng 11 năm 2026" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


def test_the_minutes_render_to_images_for_a_person_to_check(record):
    """Write artifacts/minutes/*.png at 80 dpi: look at them after a change to the house style."""
    MINUTES_PNG.mkdir(parents=True, exist_ok=True)
    for old in MINUTES_PNG.glob("*.png"):
        old.unlink()
    many = [(f"Nguyễn Thị Bích Ngọc {n}", "Đại diện Hội Cựu chiến binh phường") for n in range(1, 7)]
    samples = {
        "bien-ban": record(),
        "bien-ban-niem-phong-rach": record(seal_intact=False, seal_note=BROKEN_SEAL, witnesses=many),
    }
    for name, opening in samples.items():
        pdf = MINUTES_PNG / f"{name}.pdf"
        pdf.write_bytes(BoxOpeningMinutes(opening).generate()[2])
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(MINUTES_PNG / name)], check=True)
    assert (MINUTES_PNG / "bien-ban-1.png").exists() and (MINUTES_PNG / "bien-ban-niem-phong-rach-1.png").exists()


def test_a_department_issues_under_its_own_name_below_the_provincial_committee(db):
    province = UnitFactory(code="70", name="Tỉnh Bình Phước", kind=Unit.Kind.PROVINCE)
    department = UnitFactory(code="SCT-BP", name="Sở Công Thương", kind=Unit.Kind.DEPARTMENT, parent=province)
    head = letterhead_for(department, document_kind="BC", day=datetime.date(2023, 3, 9))
    assert head.parent_body == "UBND TỈNH BÌNH PHƯỚC"
    assert head.issuing_body == ["SỞ CÔNG THƯƠNG"]
    assert head.number_code == "BC-SCT"
    assert head.place_and_date == "Bình Phước, ngày 09 tháng 03 năm 2023"


def test_a_province_has_no_body_above_it(db):
    hanoi = UnitFactory(code="01", name="Thành phố Hà Nội", kind=Unit.Kind.PROVINCE)
    head = letterhead_for(hanoi, document_kind="TB", day=datetime.date(2026, 1, 1))
    assert (head.parent_body, head.issuing_body, head.place) == ("", ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HÀ NỘI"], "Hà Nội")


def test_dates_read_the_administrative_way():
    assert vn_date(datetime.date(2026, 11, 5)) == "ngày 05 tháng 11 năm 2026"


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (37, "ba mươi bảy"),
        (105, "một trăm linh năm"),
        (310, "ba trăm mười"),
        (1005, "một nghìn không trăm linh năm"),
        (2024, "hai nghìn không trăm hai mươi bốn"),
        (1_000_000, "một triệu"),
    ],
)
def test_counts_read_in_vietnamese_words(number, words):
    assert vn_number_words(number) == words
