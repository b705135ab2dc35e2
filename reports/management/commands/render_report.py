from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.builders import annual_report, monthly_notice, period_report
from reports.management.options import add_period_arguments, period_from
from reports.writers import FORMATS, render
from surveys.models import Unit


class Command(BaseCommand):
    help = """Write a report of a unit to a file: the monthly notice, the period report or Phụ lục 2.

    notice needs --month YYYY-MM; period takes --month, --quarter YYYY-Qn, --nine-months YYYY or --year YYYY;
    annual needs --year YYYY. --format pdf, xlsx or docx; -o FILE.
    """

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["notice", "period", "annual"])
        parser.add_argument("--unit", required=True, help="Mã đơn vị, ví dụ 09556")
        add_period_arguments(parser)
        parser.add_argument("--subtree", action="store_true", help="Báo cáo kỳ gồm cả các đơn vị trực thuộc")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("-o", "--output", required=True, help="Tệp ghi ra")

    def handle(self, *args, **options):
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị mã “{options['unit']}”.")
        period = period_from(options)
        kind = options["kind"]
        allowed = {"notice": {"month"}, "annual": {"year"}, "period": {"month", "quarter", "nine_months", "year"}}
        if period.kind not in allowed[kind]:
            wanted = {"notice": "--month YYYY-MM", "annual": "--year YYYY"}[kind]
            raise CommandError(f"Báo cáo {kind} cần {wanted}.")
        if kind == "notice":
            document = monthly_notice(unit, period)
        elif kind == "annual":
            document = annual_report(unit, period.start.year)
        else:
            document = period_report(unit, period, subtree=options["subtree"])
        filename, _mimetype, content = render(document, options["format"])
        if options["output"] == "-":
            self.stdout.buffer.write(content) if hasattr(self.stdout, "buffer") else self.stdout._out.buffer.write(
                content
            )
            return
        try:
            Path(options["output"]).write_bytes(content)
        except OSError as error:
            raise CommandError(f"Không ghi được tệp “{options['output']}”: {error.strerror}.") from None
        self.stderr.write(f"Đã ghi {options['output']} ({len(content):,} byte) — {filename}")
