"""Biên bản mở hòm phiếu as a Document, for the DOCX and XLSX files (the PDF has its own template)."""

from django.utils import timezone

from reports.builders import common
from reports.dates import vn_date
from reports.document import Document, Heading, Paragraph, Signature, Table
from reports.numbers import vn_number_words
from reports.renderers.letterhead import letterhead_for
from reports.renderers.minutes import BoxOpeningMinutes
from surveys.models import BoxOpening


def minutes_document(opening: BoxOpening) -> Document:
    """The same minutes as reports.renderers.minutes prints, block by block."""
    context = BoxOpeningMinutes(opening).context()
    opened = context["opened"]
    seal = (
        "Kết quả: Khóa và niêm phong còn nguyên vẹn." + (f" Ghi chú: {opening.seal_note}" if opening.seal_note else "")
        if opening.seal_intact
        else f"Kết quả: Phát hiện dấu hiệu nghi ngờ về sự an toàn của hòm phiếu: {opening.seal_note}"
    )
    keeper = opening.key_keeper or "bộ phận được giao nhiệm vụ quản lý hòm phiếu"
    closed = context["closed"]
    ended = f"{closed:%H} giờ {closed:%M} phút" if closed else "…… giờ …… phút"
    witnesses = context["witnesses"]
    blocks = [
        Paragraph(
            f"Hồi {opened:%H} giờ {opened:%M} phút, {vn_date(opened.date())}, tại {opening.place}, những người có tên "
            f"dưới đây tiến hành mở hòm phiếu khảo sát, lấy ý kiến của người dân, tổ chức đối với sự phục vụ hành "
            f"chính của {opening.unit.name}."
        ),
        Heading("I. THÀNH PHẦN THAM DỰ"),
        Table(
            columns=["STT", "Họ và tên", "Chức vụ", "Ký tên"],
            rows=[[index, witness.name, witness.role, ""] for index, witness in enumerate(witnesses, start=1)],
            widths=[1.4, 5, 5, 3],
            sheet="Thành phần",
        ),
        Heading("II. NỘI DUNG"),
        Paragraph(
            "1. Kiểm tra khóa, niêm phong. Trước khi mở hòm phiếu, những người tham dự đã cùng kiểm tra khóa và "
            f"niêm phong của hòm phiếu. {seal}"
        ),
        Paragraph(
            f"2. Số phiếu thu được. Sau khi mở hòm phiếu, những người tham dự đã tập hợp, kiểm đếm được "
            f"{opening.ballot_count} ({vn_number_words(opening.ballot_count)}) phiếu khảo sát."
        ),
        Paragraph(
            "3. Bàn giao phiếu và chìa khóa. Toàn bộ số phiếu nêu trên được chuyển cho bộ phận được giao xử lý "
            f"phiếu theo thẩm quyền. Chìa khóa hòm phiếu được bàn giao cho {keeper} quản lý."
        ),
        Paragraph(
            f"Biên bản kết thúc hồi {ended} cùng ngày; những người tham dự đã đọc lại, thống nhất với nội dung "
            "biên bản và cùng ký tên vào danh sách thành phần tham dự ở trên./."
        ),
    ]
    local = timezone.localtime(opening.opened_at)
    return Document(
        letterhead=letterhead_for(opening.unit, document_kind="BB", day=local.date()),
        kind="BIÊN BẢN",
        subject=["Mở hòm phiếu khảo sát lấy ý kiến người dân, tổ chức"],
        blocks=blocks,
        recipients=common.recipients(None, [f"Lãnh đạo {opening.unit.name}", "Bộ phận xử lý phiếu khảo sát"]),
        signature=Signature(lines=["NGƯỜI LẬP BIÊN BẢN"], hint="(Ký, ghi rõ họ tên)", name=context["recorder"]),
        filename=f"bien-ban-mo-hom-phieu-{opening.unit.code}-{local:%Y%m%d-%H%M}",
        title=f"Biên bản mở hòm phiếu {local:%d/%m/%Y} – {opening.unit.name}",
    )
