"""``python manage.py consult_escalations``: put students the escalation rule picks on the
next level's agenda. Follow-ups check the rule at once, and the first page of each day that
shows proposals runs the whole rule (``services.check_escalations``); this command does the
same from cron, for a school that wants the proposals made before anybody logs in."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from consult.services import propose_escalations
from schoolops.models import Term


class Command(BaseCommand):
    help = "Propose students whose strategies show no improvement for the next level's meeting."

    def handle(self, *args, **options):
        today = timezone.localdate()
        term = Term.current(today)
        if term is None:
            self.stdout.write(_("No term has been set up yet."))
            return
        proposed = propose_escalations(term, today)
        self.stdout.write(_("%(n)s students proposed for the next level.") % {"n": len(proposed)})
