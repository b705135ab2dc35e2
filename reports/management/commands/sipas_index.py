import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from reports.index import Scope, Slice, figures
from reports.periods import Period, PeriodInvalid, parse_period
from surveys.dates import parse_day
from surveys.models import FormTemplate, Response, Unit

# Days of a --from/--to range may lie ahead (a year not over yet); parse_day refuses only days after this one.
_LATEST = datetime.date(2100, 12, 31)


class Command(BaseCommand):
    help = """Print the SIPAS index of a unit for a period: responses, the index, each factor and question.

    Exactly one of --month YYYY-MM, --quarter YYYY-Qn, --year YYYY or --from dd/mm/yyyy --to dd/mm/yyyy.
    --subtree counts the units below too. With --json it prints one JSON object
    (keys responses, index, factors, questions, coverage, …; percentages rounded
    to two decimals). The method is in docs/index.md.
    """

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="Mã đơn vị, ví dụ 09556")
        parser.add_argument("--subtree", action="store_true", help="Gồm cả các đơn vị trực thuộc")
        parser.add_argument("--month", help="YYYY-MM")
        parser.add_argument("--quarter", help="YYYY-Qn")
        parser.add_argument("--year", help="YYYY")
        parser.add_argument("--from", dest="start", help="dd/mm/yyyy")
        parser.add_argument("--to", dest="end", help="dd/mm/yyyy")
        parser.add_argument("--form", help="Chỉ tính một mẫu phiếu (mã mẫu, ví dụ sipas-5)")
        parser.add_argument("--channel", choices=Response.Channel.values, help="Chỉ tính một kênh")
        parser.add_argument("--officer", help="Chỉ tính hồ sơ của một công chức")
        parser.add_argument("--json", action="store_true", help="In một đối tượng JSON")

    def handle(self, *args, **options):
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị mã “{options['unit']}”.")
        period = _period(options)
        form = None
        if options["form"]:
            form = FormTemplate.objects.filter(code=options["form"]).first()
            if form is None:
                raise CommandError(f"Không có mẫu phiếu mã “{options['form']}”.")
        result = figures(
            scope=Scope.of(unit, subtree=options["subtree"]),
            period=period,
            slice=Slice(form=form, channel=options["channel"], officer=options["officer"]),
        )
        if options["json"]:
            payload = {"unit": unit.code, "subtree": options["subtree"], **result.to_json()}
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(_text(unit, result))


def _period(options) -> Period:
    given = [name for name in ("month", "quarter", "year") if options[name]]
    ranged = options["start"] or options["end"]
    if len(given) + bool(ranged) != 1:
        raise CommandError("Cần đúng một kỳ: --month YYYY-MM, --quarter YYYY-Qn, --year YYYY hoặc --from … --to ….")
    try:
        if ranged:
            if not (options["start"] and options["end"]):
                raise CommandError("--from và --to phải đi cùng nhau.")
            start = parse_day(options["start"], today=_LATEST, what="ngày bắt đầu")
            end = parse_day(options["end"], today=_LATEST, what="ngày kết thúc")
            return Period.between(start, end)
        kind = given[0]
        period = parse_period(options[kind])
    except (PeriodInvalid, ValueError) as error:
        raise CommandError(str(error)) from None
    expected = {"month": "month", "quarter": "quarter", "year": "year"}[kind]
    if period.kind != expected:
        formats = {"month": "YYYY-MM", "quarter": "YYYY-Qn", "year": "YYYY"}
        raise CommandError(f"--{kind} cần dạng {formats[kind]}, không phải “{options[kind]}”.")
    return period


def _text(unit: Unit, result) -> str:
    def pct(value):
        return "—" if value is None else f"{value:.2f}%".replace(".", ",")

    lines = [f"{unit.name} ({unit.code}), {result.period.label}: {result.responses} phiếu"]
    if result.empty:
        lines.append("Không có phiếu nào trong kỳ này.")
        return "\n".join(lines)
    lines.append(f"Chỉ số SIPAS: {pct(result.index)}")
    lines += [f"  {factor.name}: {pct(factor.index)}" for factor in result.factors]
    for question in result.questions:
        rate = f"hài lòng {pct(question.rate)}" if question.rate is not None else ""
        lines.append(f"  {question.key:<12} n={question.n:<6} {rate}")
    if result.coverage and result.coverage.rate is not None:
        lines.append(
            f"Độ bao phủ: {result.coverage.responses}/{result.coverage.resolved} hồ sơ = {pct(result.coverage.rate)}"
        )
    return "\n".join(lines)
