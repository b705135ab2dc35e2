from django.core.management.base import BaseCommand, CommandError

from surveys.models import Unit
from surveys.services.api_keys import api_key_create


class Command(BaseCommand):
    help = """Create an API key for a unit's one-stop software and print it.

    The software sends it as "Authorization: Bearer <key>" to
    POST /api/v1/dossiers to register resolved dossiers of that unit (and only
    that unit) and get back each dossier's survey link (see the README).
    The key is printed once, on the first line of stdout, and never stored:
    only its digest is kept, so a lost key is revoked (Django admin or
    /khoa-api/) and a new one made. --name tells keys apart on screen.
    Each run creates a new key; the audit log records who made which.
    """

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="Mã đơn vị (ví dụ 09556)")
        parser.add_argument("--name", default="Phần mềm một cửa", help="Tên gợi nhớ của khóa")

    def handle(self, *args, **options):
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị mã “{options['unit']}”: kiểm tra lại mã đơn vị.")
        key, secret = api_key_create(actor=None, unit=unit, name=options["name"])
        self.stdout.write(secret)
        self.stdout.write(
            f"create_api_key: khóa “{key.name}” của {unit.name} ({unit.code}); "
            "khóa chỉ hiện một lần này, hãy lưu lại ngay."
        )
