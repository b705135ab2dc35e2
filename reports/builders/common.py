"""What every report shares: numbers written the Vietnamese way, the plan sentence, signer and recipients.

Administrative documents are issued in Vietnamese whatever language the reader
uses the site in, so the wording here is Vietnamese and is not translated.
"""

import datetime

from django.utils import timezone

from reports.document import Paragraph
from reports.index import Figures
from reports.models import ReportText
from reports.periods import Period
from reports.renderers.letterhead import COMMITTEE_KINDS
from surveys.models import Response, SurveyPlan, Unit

# Where the head has written nothing, the printed report leaves a line to write on by hand.
BLANK = "…………………………………………………………………………………………"
CHANNEL_METHODS = {
    Response.Channel.PAPER: "Phát phiếu khảo sát giấy tại Bộ phận Một cửa, thu qua hòm phiếu có khóa và niêm phong",
    Response.Channel.ISSUED: "Phát phiếu khảo sát theo từng hồ sơ đã giải quyết (mã QR, máy tính bảng tại quầy)",
    Response.Channel.ONLINE: "Đánh giá trực tuyến trên trang công khai của đơn vị",
}


def pct(value: float | None) -> str:
    """73.333 -> "73,33%"; nothing -> "—"."""
    return "—" if value is None else f"{value:.2f}%".replace(".", ",")


def number(value: int) -> str:
    """1280 -> "1.280"."""
    return f"{value:,}".replace(",", ".")


def day(value: datetime.date) -> str:
    return f"{value:%d/%m/%Y}"


def today() -> datetime.date:
    return timezone.localdate()


def text_of(unit: Unit, period: Period) -> ReportText:
    """The head's written sections for this unit and period (empty ones when nothing was written)."""
    found = ReportText.objects.filter(unit=unit, starts=period.start, ends=period.end).first()
    return found or ReportText(unit=unit, starts=period.start, ends=period.end)


def written(text: str) -> list[str]:
    """The head's text as paragraphs, one per non-empty line; the writers escape it."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def paragraphs(text: str) -> list[Paragraph]:
    """The head's section as dashed paragraphs, or a dotted line to write on by hand when it is empty."""
    lines = written(text)
    return [Paragraph(line if line.startswith(("-", "+")) else f"- {line}") for line in lines] or [Paragraph(BLANK)]


def plan_sentence(plan: SurveyPlan | None, unit: Unit) -> str:
    if plan is None:
        return ""
    return (
        f"Thực hiện Kế hoạch số {plan.number} ngày {day(plan.signed_on)} của {unit.name} "
        f"về khảo sát mức độ hài lòng của người dân, tổ chức năm {plan.year}"
    )


def change_sentence(result: Figures) -> str:
    """ "tăng 2,15 điểm phần trăm so với tháng 10/2026" or nothing when there is nothing to compare."""
    previous = result.previous
    if previous is None or previous.change is None:
        return ""
    if abs(previous.change) < 0.005:
        return f"bằng {previous.period.label}"
    direction = "tăng" if previous.change > 0 else "giảm"
    amount = f"{abs(previous.change):.2f}".replace(".", ",")
    return f"{direction} {amount} điểm phần trăm so với {previous.period.label} ({pct(previous.index)})"


def channels_sentence(result: Figures) -> str:
    parts = [
        f"{number(count)} {Response.Channel(channel).label.lower()}"
        for channel, count in result.channels.items()
        if count
    ]
    return "; ".join(parts)


def coverage_sentence(result: Figures) -> str:
    coverage = result.coverage
    if coverage is None or coverage.resolved is None:
        return ""
    sentence = (
        f"Số phiếu trên hồ sơ đã giải quyết: {number(coverage.responses)}/{number(coverage.resolved)} hồ sơ, "
        f"đạt {pct(coverage.rate)}"
    )
    if coverage.target:
        verdict = "đạt" if coverage.met else "chưa đạt"
        sentence += f"; chỉ tiêu kế hoạch {coverage.target}: {verdict}"
    if coverage.enough is False:
        sentence += f" (chưa đủ cỡ mẫu tối thiểu {number(coverage.sample_required)} phiếu)"
    if coverage.unmatched:
        sentence += f"; {number(coverage.unmatched)} phiếu thuộc tháng chưa có số hồ sơ đã giải quyết, không tính"
    return sentence + "."


def signature_lines(unit: Unit, text: ReportText, default_title: str = "CHỦ TỊCH") -> list[str]:
    """ "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH" for a People's Committee, the head's title alone elsewhere."""
    title = (text.signer_title or default_title).upper()
    if unit.kind in COMMITTEE_KINDS:
        return ["TM. ỦY BAN NHÂN DÂN", title]
    return [title]


def recipients(text: ReportText | None, defaults: list[str]) -> list[str]:
    """The head's Nơi nhận lines, else `defaults`; always ending with "Lưu: VT."."""
    lines = (written(text.recipients) if text else []) or defaults
    if not any(line.lstrip("- ").startswith("Lưu") for line in lines):
        lines = [*lines, "Lưu: VT."]
    return [_ended(line, last=index == len(lines) - 1) for index, line in enumerate(lines)]


def _ended(line: str, *, last: bool) -> str:
    """Nơi nhận items end with ";" and the last with "."."""
    line = line.strip().lstrip("-").strip().rstrip(";.")
    return f"{line}." if last else f"{line};"


def filename(kind: str, unit: Unit, period: Period) -> str:
    return f"{kind}-{unit.code}-{period.key}".lower()


def committee(unit: Unit) -> bool:
    return unit.kind in COMMITTEE_KINDS


def body(unit: Unit) -> str:
    """A body as a recipient line names it: "UBND Thành phố Hà Nội", "Sở Công Thương"."""
    return f"UBND {unit.name}" if committee(unit) else unit.name
