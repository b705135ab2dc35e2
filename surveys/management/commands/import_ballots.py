from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.models import FormTemplate, Unit
from surveys.services.imports import BallotsImportError, ballots_import


class Command(BaseCommand):
    help = """Import typed-in paper ballots from an XLSX file into a new open batch of a unit.

    The first sheet's first row names the columns: "Ngày" (dd/mm/yyyy or a
    date cell, not in the future), optionally "Thủ tục" (a procedure's name
    or national code; it fills the form's procedure question whatever its
    number), then one column per question named by its code as printed on
    the form ("Câu 1" … "Câu 8" for sipas-5; "1", "2", "3.1" … "3.10", "4",
    "5" for binh-phuoc). A scale cell holds the score 1–5 or its label, a
    choice its number or label ("1; 3" for several); blank means not
    answered. --form is a built-in form (sipas-5, binh-phuoc, short-5,
    sipas-21) or a unit's own form code; its current version is used.

    All or nothing: one bad cell and nothing is written; every problem is
    printed to stderr with its row and column and the exit status is non-zero.
    Each run creates a new batch, so running it twice imports the file twice.
    A file holds at most SIPAS_IMPORT_MAX_ROWS rows (100,000) in 20 MB; a
    formula or an Excel error value in a cell is refused (paste values).
    The empty file of a form, with a sheet explaining every column, is
    downloaded from /nhap-phieu/mau/<form>.xlsx.
    """

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp .xlsx")
        parser.add_argument("--unit", required=True, help="Mã đơn vị (ví dụ 09556)")
        parser.add_argument("--form", required=True, help="Mã mẫu phiếu (ví dụ sipas-5)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị mã “{options['unit']}”.")
        template = FormTemplate.objects.available_to(unit).filter(code=options["form"]).first()
        if template is None:
            raise CommandError(f"Đơn vị {unit.name} không có mẫu phiếu mã “{options['form']}”.")
        try:
            with path.open("rb") as file:
                result = ballots_import(actor=None, unit=unit, template=template, file=file, filename=path.name)
        except OSError as error:
            raise CommandError(f"Không mở được tệp {path}.") from error
        except BallotsImportError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Không nhập được {path.name}: {len(error.problems)} lỗi, chưa ghi phiếu nào."
            ) from error
        self.stdout.write(
            f"import_ballots: {result.count} phiếu mẫu {template.code} (phiên bản {result.batch.version.number}) "
            f"vào {unit.name} ({unit.code}), lô #{result.batch.pk}"
        )
