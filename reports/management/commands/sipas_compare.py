import json

from django.core.management.base import BaseCommand, CommandError

from reports.comparison import Filters, compare_units
from reports.index import round2
from reports.management.options import add_period_arguments, period_from
from surveys.models import Division, FormTemplate, Response, Unit


class Command(BaseCommand):
    help = """Compare and rank the units directly under a unit (--unit CODE), or the provinces (--national).

    Exactly one period: --month YYYY-MM, --quarter YYYY-Qn, --nine-months YYYY or --year YYYY.
    --kind keeps one kind of unit (xa, phuong, dac-khu, so, tthcc, …), --form one form,
    --channel one channel. A unit is ranked only with enough responses; its rank comes with
    the range its 95 % interval allows (docs/index.md). --json prints
    {"period": …, "units": [{"code", "name", "kind", "responses", "index", "ci95", "factors",
    "coverage", "enough", "rank", "rank_range", "change"}]}, percentages rounded to two decimals.
    """

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--unit", help="Mã đơn vị cấp trên, ví dụ 01")
        where.add_argument("--national", action="store_true", help="So sánh các tỉnh, thành phố")
        add_period_arguments(parser)
        parser.add_argument("--kind", choices=Division.values, help="Chỉ một loại đơn vị")
        parser.add_argument("--form", help="Chỉ tính một mẫu phiếu (mã mẫu, ví dụ sipas-5)")
        parser.add_argument("--channel", choices=Response.Channel.values, help="Chỉ tính một kênh")
        parser.add_argument("--json", action="store_true", help="In một đối tượng JSON")

    def handle(self, *args, **options):
        root = None
        if options["unit"] is not None:
            root = Unit.objects.filter(code=options["unit"]).first()
            if root is None:
                raise CommandError(f"Không có đơn vị mã “{options['unit']}”.")
        period = period_from(options)
        form = None
        if options["form"]:
            form = FormTemplate.objects.filter(code=options["form"]).first()
            if form is None:
                raise CommandError(f"Không có mẫu phiếu mã “{options['form']}”.")
        table = compare_units(
            root=root,
            period=period,
            filters=Filters(kind=options["kind"] or "", form=form, channel=options["channel"] or ""),
        )
        if options["json"]:
            self.stdout.write(json.dumps(_json(table), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(_text(table))


def _json(table) -> dict:
    period = table.period
    return {
        "period": {
            "kind": period.kind,
            "key": period.key,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "provisional": period.provisional,
        },
        "units": [
            {
                "code": row.unit.code,
                "name": row.unit.name,
                "kind": row.unit.division,
                "responses": row.figures.responses,
                "index": round2(row.figures.index),
                "ci95": [round2(row.figures.index_low), round2(row.figures.index_high)]
                if row.figures.index_low is not None
                else None,
                "factors": {factor.name: round2(factor.index) for factor in row.figures.factors},
                "coverage": round2(row.figures.coverage.rate) if row.figures.coverage else None,
                "enough": row.enough,
                "rank": row.ranked.rank if row.ranked else None,
                "rank_range": [row.ranked.best, row.ranked.worst] if row.ranked else None,
                "change": round2(row.figures.previous.change) if row.figures.previous else None,
            }
            for row in table.rows
        ],
    }


def _text(table) -> str:
    def pct(value):
        return "—" if value is None else f"{value:.2f}".replace(".", ",")

    where = table.root.name if table.root else "Toàn quốc"
    provisional = " (tạm tính: kỳ chưa kết thúc)" if table.period.provisional else ""
    lines = [f"{where}, {table.period.label}{provisional}: {len(table.rows)} đơn vị"]
    for row in table.rows:
        interval = f"{pct(row.low)}–{pct(row.high)}" if row.low is not None else "—"
        rank = row.rank_text or "chưa đủ phiếu"
        lines.append(
            f"  {rank:<12} {row.unit.code:<12} {row.unit.name[:40]:<40} {row.figures.responses:>7} phiếu  "
            f"{pct(row.figures.index):>6} ({interval})"
        )
    return "\n".join(lines)
