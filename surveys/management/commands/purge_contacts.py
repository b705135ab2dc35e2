from django.core.management.base import BaseCommand

from surveys.services.contacts import contacts_purge


class Command(BaseCommand):
    help = """Delete the contact details citizens left more than a year ago.

    The consent text of the online form promises that name, address and phone
    are kept for 12 months (SIPAS_CONTACT_RETENTION_DAYS, 365 by default) and
    then deleted; the answers themselves stay. Run it daily (cron or a timer).
    """

    def handle(self, *args, **options):
        deleted = contacts_purge()
        self.stdout.write(f"purge_contacts: {deleted} deleted")
