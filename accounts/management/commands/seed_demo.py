"""``python manage.py seed_demo``: demo register, cycles and one user per role (DEBUG only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import seed_demo


class Command(BaseCommand):
    help = "Load the demo data and users. Refuses to run when DEBUG is off."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it runs only "
                "with DEBUG on (the local settings). Nothing was changed."
            )
        seed_demo(log=self.stdout.write)
