from django.core.management.base import BaseCommand, CommandError

from surveys.services.catalogue import CatalogueInvalid, procedures_load


class Command(BaseCommand):
    help = """Load the national catalogue of administrative procedures from fixtures/procedures.json.

    The common commune-level procedures (hộ tịch, chứng thực, cư trú, hộ
    kinh doanh, đất đai, xây dựng, bảo trợ xã hội, người có công…) and the
    common procedures of a provincial Sở Công Thương, with their national
    codes where a source gave them. Matched by name and level: a second run
    changes nothing, a corrected code or field is updated in place. A
    province's own full list is imported with import_procedures.
    """

    def handle(self, *args, **options):
        try:
            result = procedures_load()
        except CatalogueInvalid as error:
            raise CommandError(f"{error}\nKhông có thay đổi nào được ghi.") from error
        self.stdout.write(
            f"load_procedures: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
