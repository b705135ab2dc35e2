"""The empty XLSX files a unit fills (paper ballots, resolved dossiers), each with a sheet explaining its columns."""

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from surveys.models import FormVersion, Question
from surveys.services.dossiers import IMPORT_HEADERS
from surveys.services.imports import DATE_HEADER, PROCEDURE_HEADER, import_headers

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def ballot_template_xlsx(version: FormVersion) -> bytes:
    """Sheet "Phiếu" holds the header row `import_ballots` reads; sheet "Hướng dẫn" says what each column takes."""
    questions = {question.code: question for question in version.questions.all()}
    procedure = next((q for q in questions.values() if q.kind == Question.Kind.PROCEDURE), None)
    headers = import_headers(version)

    workbook = Workbook()
    ballots = workbook.active
    ballots.title = _("Phiếu")
    ballots.append(headers)
    for index, name in enumerate(headers, start=1):
        ballots.cell(row=1, column=index).font = BOLD
        width = 14 if name == DATE_HEADER else 40 if name == PROCEDURE_HEADER else max(10, len(name) + 4)
        ballots.column_dimensions[get_column_letter(index)].width = width
    # Text, so a typed 05/03/2026 stays 5 March whatever the computer's date settings.
    ballots.column_dimensions["A"].number_format = "@"
    ballots.freeze_panes = "A2"

    guide = workbook.create_sheet(_("Hướng dẫn"))
    guide.append([_("Cột"), _("Câu hỏi trên phiếu"), _("Cách ghi")])
    for cell in guide[1]:
        cell.font = BOLD
    for name in headers:
        if name == DATE_HEADER:
            guide.append([name, _("Ngày người dân đánh giá (ngày ghi trên phiếu)"), str(_DATE_RULE)])
        elif name == PROCEDURE_HEADER:
            printed = procedure.text if procedure.code == name else f"{procedure.code}. {procedure.text}"
            guide.append([name, printed, str(_PROCEDURE_RULE)])
        else:
            guide.append([name, questions[name].text, _accepted(questions[name])])
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = WRAP
    guide.append([])
    for line in _NOTES:  # unwrapped, so each note runs across the empty cells beside it
        guide.append([str(line)])
    guide.column_dimensions["A"].width = 12
    guide.column_dimensions["B"].width = 60
    guide.column_dimensions["C"].width = 70
    guide.freeze_panes = "A2"

    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


_DATE_RULE = gettext_lazy("Bắt buộc. Ghi dd/mm/yyyy (ví dụ 05/03/2026) hoặc dùng ô kiểu ngày; không được sau hôm nay.")
_PROCEDURE_RULE = gettext_lazy(
    "Tên hoặc mã thủ tục trong danh mục (có dấu hay không dấu đều được); "
    "tên không có trong danh mục được giữ nguyên như ghi tay."
)
_NOTES = [
    gettext_lazy("Mỗi dòng là một phiếu. Ô để trống là người dân không trả lời câu đó."),
    gettext_lazy("Giữ nguyên dòng tiêu đề: không đổi tên, không thêm cột lạ, không lặp cột."),
    gettext_lazy("Chỉ cần một ô sai là cả tệp không được nhập; trang nhập phiếu liệt kê mọi lỗi theo dòng và cột."),
    gettext_lazy("Tệp mẫu không có cột thông tin liên hệ của người góp ý: thông tin này được bảo mật."),
]


def _accepted(question: Question) -> str:
    """What a cell of this question may hold, as the importer reads it."""
    listed = "; ".join(f"{stored} = {label}" for stored, label in question.scored_options())
    if question.is_scale:
        return _("Ghi điểm hoặc nhãn: %(listed)s.") % {"listed": listed}
    if question.is_choice:
        if question.kind == Question.Kind.MULTI:
            rule = _("Ghi số hoặc nhãn, chọn nhiều thì ngăn cách bằng dấu “;” (ví dụ 1; 3): %(listed)s.")
        else:
            rule = _("Ghi số hoặc nhãn: %(listed)s.")
        rule %= {"listed": listed}
        if question.allows_other:
            other = question.option_labels()[-1]
            rule += " " + _("Chữ khác các nhãn được ghi nhận là “%(other)s” kèm nội dung đó.") % {"other": other}
        return rule
    if question.kind == Question.Kind.UNIT:
        return _("Tên đơn vị, ghi như trên phiếu.")
    return _("Ghi nguyên văn ý kiến trên phiếu.")


def dossier_template_xlsx() -> bytes:
    """Sheet "Hồ sơ" holds the header row `dossiers_import` reads; sheet "Hướng dẫn" says what each column takes."""
    headers = list(IMPORT_HEADERS)
    workbook = Workbook()
    dossiers = workbook.active
    dossiers.title = _("Hồ sơ")
    dossiers.append(headers)
    for index, name in enumerate(headers, start=1):
        dossiers.cell(row=1, column=index).font = BOLD
        dossiers.column_dimensions[get_column_letter(index)].width = _DOSSIER_WIDTHS.get(IMPORT_HEADERS[name], 16)
        # Text, so a typed 05/03/2026 stays 5 March whatever the computer's date settings.
        dossiers.column_dimensions[get_column_letter(index)].number_format = "@"
    dossiers.freeze_panes = "A2"

    guide = workbook.create_sheet(_("Hướng dẫn"))
    guide.append([_("Cột"), _("Nội dung"), _("Cách ghi"), _("Ví dụ")])
    for cell in guide[1]:
        cell.font = BOLD
    for name in headers:
        meaning, rule, example = _DOSSIER_COLUMNS[IMPORT_HEADERS[name]]
        guide.append([name, str(meaning), str(rule), example])
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = WRAP
    guide.append([])
    for line in _DOSSIER_NOTES:
        guide.append([str(line)])
    for letter, width in zip("ABCD", (22, 36, 70, 28), strict=True):
        guide.column_dimensions[letter].width = width
    guide.freeze_panes = "A2"

    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


_DOSSIER_WIDTHS = {"dossier_code": 22, "procedure": 50, "officer": 28}
_DOSSIER_DAY_RULE = gettext_lazy(
    "Bắt buộc. Ghi dd/mm/yyyy (ví dụ 05/03/2026) hoặc dùng ô kiểu ngày; không được sau hôm nay."
)
_DOSSIER_COLUMNS = {
    "dossier_code": (
        gettext_lazy("Mã hồ sơ trên phần mềm một cửa"),
        gettext_lazy("Bắt buộc, tối đa 60 ký tự. Mỗi mã chỉ một dòng; mã đã nhập trước đây được giữ nguyên."),
        "000.00.12.H26-260305-0001",
    ),
    "procedure": (
        gettext_lazy("Thủ tục hành chính đã giải quyết"),
        gettext_lazy(
            "Bắt buộc. Tên hoặc mã thủ tục trong danh mục (có dấu hay không dấu đều được); "
            "tên không có trong danh mục được giữ nguyên như ghi tay."
        ),
        "Đăng ký khai sinh",
    ),
    "received": (gettext_lazy("Ngày tiếp nhận hồ sơ"), _DOSSIER_DAY_RULE, "02/03/2026"),
    "resolved": (
        gettext_lazy("Ngày trả kết quả (đã giải quyết)"),
        gettext_lazy("Bắt buộc, dd/mm/yyyy; không trước ngày tiếp nhận, không sau hôm nay."),
        "05/03/2026",
    ),
    "on_time": (
        gettext_lazy("Hồ sơ giải quyết đúng hạn hay trễ hạn"),
        gettext_lazy("Bắt buộc. Ghi “Đúng hạn” hoặc “Trễ hạn” (cũng nhận: có/không, true/false, 1/0)."),
        "Đúng hạn",
    ),
    "officer": (
        gettext_lazy("Công chức giải quyết hồ sơ"),
        gettext_lazy("Không bắt buộc, tối đa 200 ký tự. Chỉ lãnh đạo đơn vị xem kết quả theo từng công chức."),
        "Nguyễn Văn An",
    ),
}
_DOSSIER_NOTES = [
    gettext_lazy("Mỗi dòng là một hồ sơ đã giải quyết. Giữ nguyên dòng tiêu đề; cột “Công chức giải quyết” có thể bỏ."),
    gettext_lazy("Chỉ cần một ô sai là cả tệp không được nhập; trang nhập hồ sơ liệt kê mọi lỗi theo dòng và cột."),
    gettext_lazy("Nhập hồ sơ không tự phát phiếu khảo sát: phát phiếu cho từng hồ sơ ở trang Hồ sơ."),
]
