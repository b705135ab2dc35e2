from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from reports.demo import demo_plans_seed
from surveys.demo import DEMO_UNITS, demo_ballots_seed, demo_surveys_seed
from surveys.demo_comparison import demo_comparison_seed
from surveys.models import FormTemplate, Membership, Unit

DEMO_PASSWORD = "sipas-demo-2026"

# username, full name, unit code, role. Personas of the tests and the README.
DEMO_ACCOUNTS = [
    ("quantri", "Quản trị hệ thống", None, "superuser"),
    ("quantri.hanoi", "Nguyễn Văn Quản", "01", Membership.Role.ADMIN),
    ("theodoi.quocgia", "Lý Thị Quốc", None, Membership.Role.NATIONAL),
    ("theodoi.hanoi", "Trần Thị Theo", "01", Membership.Role.OFFICIAL),
    ("lanhdao.hadong", "Lê Văn Lãnh", "09556", Membership.Role.HEAD),
    ("motcua.hadong", "Phạm Thị Một", "09556", Membership.Role.COUNTER),
    ("motcua.duongnoi", "Hoàng Văn Cửa", "09886", Membership.Role.COUNTER),
    ("lanhdao.hongson", "Vũ Thị Hồng", "10465", Membership.Role.HEAD),
    ("theodoi.hatinh", "Đặng Văn Tĩnh", "42", Membership.Role.OFFICIAL),
    ("lanhdao.namhonglinh", "Bùi Thị Nam", "18118", Membership.Role.HEAD),
    ("motcua.namhonglinh", "Đỗ Văn Lĩnh", "18118", Membership.Role.COUNTER),
    ("motcua.bachonglinh", "Ngô Thị Bắc", "18115", Membership.Role.COUNTER),
    ("lanhdao.khetre", "Hồ Văn Khê", "20161", Membership.Role.HEAD),
    ("lanhdao.sct.dongnai", "Dương Thị Công", "75-SCT", Membership.Role.HEAD),
    ("motcua.tthcc.dongnai", "Lý Văn Tâm", "75-TTPVHCC", Membership.Role.COUNTER),
]


class Command(BaseCommand):
    help = """Create demo accounts for every role on the seed units, and a year of paper ballots.

    The seed documents' communes were merged in 2025; the accounts sit on
    their successors (Hà Đông, Hồng Sơn, Nam Hồng Lĩnh, Khe Tre), so their
    heads also reach the history of Vạn Phúc, An Mỹ, Thuận Lộc and Thượng Lộ.
    Then it opens the sealed box of each demo unit once a month for the last
    twelve months and types the ballots in through the same services as the
    typing screen (surveys/demo.py); the current month's batch stays open.
    Each demo unit also gets a counter ("Quầy 1"; Hà Đông a second one and a
    paired tablet), its survey settings, three months of resolved dossiers,
    surveys issued for about 60% of them and answered for about half of
    those (one civil servant's citizens answer far less), a few online
    ratings, some "Có" to extra fees at Sở Công Thương Đồng Nai, and at Hà
    Đông a busy hour on the tablet and an evening of answers from one address.
    Each demo unit gets a survey plan for last year and this year (targets of
    seeds 000 and 003, or the Ministry's sample size), the one-stop software's
    monthly resolved counts for the months without registered dossiers, and
    Hà Đông's head has written the sections of last quarter's report.
    Finally three dozen communes of Hà Nội and of Hà Tĩnh (some small) and three
    communes of every other province get a year of ballots (surveys/demo_comparison.py),
    so that comparing and ranking units, and the national view, have something to show.
    Needs load_units and load_forms first (load_procedures for procedure names).
    With -v 2 it lists every account. Idempotent: a second run resets the demo
    passwords and creates nothing new. Never run it on a production database.
    """

    @transaction.atomic
    def handle(self, *args, **options):
        codes = {code for _, _, code, _ in DEMO_ACCOUNTS if code}
        units = {unit.code: unit for unit in Unit.objects.filter(code__in=codes)}
        missing = sorted(codes - units.keys())
        if missing:
            raise CommandError(f"Chưa có đơn vị {', '.join(missing)}: hãy chạy load_units trước.")
        forms = {demo.form for demo in DEMO_UNITS}
        if FormTemplate.objects.filter(code__in=forms, unit__isnull=True).count() < len(forms):
            raise CommandError("Chưa có các mẫu phiếu dựng sẵn: hãy chạy load_forms trước.")
        created = 0
        for username, full_name, code, role in DEMO_ACCOUNTS:
            user, was_created = get_user_model().objects.get_or_create(username=username)
            created += was_created
            user.first_name = full_name
            user.is_staff = user.is_superuser = role == "superuser"
            user.set_password(DEMO_PASSWORD)
            user.save()
            if code or role == Membership.Role.NATIONAL:
                Membership.objects.get_or_create(user=user, unit=units.get(code), role=role)
        if options["verbosity"] >= 2:
            for username, _, code, role in DEMO_ACCOUNTS:
                where = f"{units[code].name} ({code})" if code else "toàn quốc"
                label = "Quản trị hệ thống" if role == "superuser" else Membership.Role(role).label
                self.stdout.write(f"  {username:<22} {label:<26} {where}")
        ballots = demo_ballots_seed()
        self.stdout.write(
            f"seed_demo: {len(DEMO_ACCOUNTS)} demo accounts ({created} created), password {DEMO_PASSWORD}; "
            f"{ballots} demo ballots created"
        )
        surveys = demo_surveys_seed()
        plans = demo_plans_seed()
        compared = demo_comparison_seed(today=timezone.localdate())
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"seed_demo: {surveys.counters} counters, {surveys.dossiers} resolved dossiers, {surveys.issued} "
                f"surveys issued, {surveys.answered} answered, {surveys.ratings} online ratings, "
                f"{plans} survey plans created"
            )
            self.stdout.write(f"seed_demo: {compared} ballots in the units compared in Hà Nội, Hà Tĩnh and the country")
