from django.core.management.base import BaseCommand, CommandError

from surveys.models import Unit
from surveys.services.units import UnitsLoadError, fixture_unit_rows, official_unit_rows, units_load


class Command(BaseCommand):
    help = """Load the tree of administrative units.

    Takes the 34 provinces and 3,321 communes of the current official list
    from the vietnam-provinces package, then the departments, centres and
    pre-2025 units of fixtures/units_outside_official_list.json with their
    successors. Idempotent: a second run changes nothing.
    """

    def handle(self, *args, **options):
        try:
            result = units_load(rows=official_unit_rows() + fixture_unit_rows())
        except UnitsLoadError as error:
            raise CommandError(f"{error} Không có thay đổi nào được ghi.") from error
        provinces = Unit.objects.filter(kind=Unit.Kind.PROVINCE).current().count()
        communes = Unit.objects.filter(kind=Unit.Kind.COMMUNE).current().count()
        self.stdout.write(
            f"load_units: {provinces} provinces, {communes} communes current; "
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
