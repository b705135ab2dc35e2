from django.core.management.base import BaseCommand

from surveys.services.forms import forms_load


class Command(BaseCommand):
    help = """Load the built-in survey forms from fixtures/forms.json.

    sipas-5 (the 5-point SIPAS ballot), binh-phuoc (the Bình Phước form),
    short-5 (five topics) and sipas-21 (the 21 SIPAS criteria), worded as
    in the source documents. Idempotent: a second run changes nothing. A
    changed wording of a version that already has answers becomes a new
    version; answered versions never change.
    """

    def handle(self, *args, **options):
        result = forms_load()
        self.stdout.write(
            f"load_forms: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
