from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.models import Unit
from surveys.services.dossiers import IMPORT_HEADERS, DossiersImportError, dossiers_import


class Command(BaseCommand):
    help = f"""Import a unit's resolved dossiers from an XLSX file exported by its one-stop software.

    The first sheet's first row names the columns: {", ".join(IMPORT_HEADERS)}
    (the last is optional). Dates are dd/mm/yyyy or date cells, not in the
    future, resolved not before received; "Đúng hạn" holds Đúng hạn / Trễ hạn
    (or có/không, true/false, 1/0); "Thủ tục" a procedure's name or code from
    the catalogue, or any other words, kept as written.

    All or nothing: one bad cell and nothing is written; every problem is
    printed to stderr with its row and column and the exit status is non-zero.
    Codes the unit already has are left as they are, so running the same file
    twice adds nothing. Importing issues no surveys. The empty file, with a
    sheet explaining every column, is downloaded from /ho-so/nhap/mau.xlsx.
    A file holds at most SIPAS_IMPORT_MAX_ROWS rows (100,000) in 20 MB; a
    formula or an Excel error value in a cell is refused (paste values).
    """

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp .xlsx")
        parser.add_argument("--unit", required=True, help="Mã đơn vị (ví dụ 09556)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị mã “{options['unit']}”.")
        try:
            with path.open("rb") as file:
                result = dossiers_import(actor=None, unit=unit, file=file)
        except OSError as error:
            raise CommandError(f"Không mở được tệp {path}.") from error
        except DossiersImportError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Không nhập được {path.name}: {len(error.problems)} lỗi, chưa ghi hồ sơ nào."
            ) from error
        self.stdout.write(
            f"import_dossiers: {result.created} hồ sơ mới, {result.existing} hồ sơ đã có giữ nguyên, "
            f"vào {unit.name} ({unit.code})"
        )
