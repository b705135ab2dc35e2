"""The empty XLSX a unit fills with typed-in paper ballots, with a sheet that explains every column."""

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from surveys.models import FormVersion, Question
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
