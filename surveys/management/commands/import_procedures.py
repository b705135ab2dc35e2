from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.models import Unit
from surveys.services.catalogue import CatalogueInvalid, procedures_import


class Command(BaseCommand):
    help = """Import a province's own list of procedures from an XLSX file.

    The first row of the first sheet names the columns: Mã thủ tục
    (optional), Tên thủ tục, Lĩnh vực, Cấp (xã or tỉnh, diacritics
    optional). All or nothing: every problem is listed as "Dòng N, cột X"
    and nothing is written. Rows are matched by name and level, so
    importing the same file again changes nothing.
    A file holds at most SIPAS_IMPORT_MAX_ROWS rows (100,000) in 20 MB; a
    formula or an Excel error value in a cell is refused (paste values).
    """

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the .xlsx file")
        parser.add_argument("--province", required=True, help="the province code, e.g. 01")

    def handle(self, *args, file: Path, province: str, **options):
        unit = Unit.objects.filter(code=province, kind=Unit.Kind.PROVINCE).first()
        if unit is None:
            raise CommandError(f"Không có tỉnh, thành phố mã “{province}”.")
        try:
            with file.open("rb") as stream:
                result = procedures_import(actor=None, province=unit, file=stream, filename=file.name)
        except OSError as error:
            raise CommandError(f"Không mở được tệp {file}: {error.strerror}.") from error
        except CatalogueInvalid as error:
            raise CommandError(f"{error}\nKhông có thay đổi nào được ghi.") from error
        self.stdout.write(
            f"import_procedures: {unit.name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
