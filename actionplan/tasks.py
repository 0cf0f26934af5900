"""Background tasks (django-tasks, database backend): run by `manage.py db_worker`."""

from django_tasks import task

from actionplan import owner_emails
from actionplan.models import ReportingRound
from actionplan.round_emails import send_due


@task()
def send_round_emails(round_id: int) -> int:
    """Send the round's e-mails now due; returns how many went. Safe to run twice at once."""
    reporting_round = ReportingRound.objects.filter(pk=round_id).select_related("plan").first()
    return send_due(reporting_round) if reporting_round else 0


@task()
def send_owner_change_emails() -> int:
    """Send the owner change e-mails now due (actionplan.owner_emails); returns how many went.
    Enqueued when a change of owners commits; safe to run twice at once."""
    return owner_emails.send_due()
