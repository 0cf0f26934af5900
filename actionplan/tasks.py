"""Background tasks (django-tasks, database backend): run by `manage.py db_worker`."""

from django_tasks import task

from actionplan.models import ReportingRound
from actionplan.round_emails import send_due


@task()
def send_round_emails(round_id: int) -> int:
    """Send the round's e-mails now due; returns how many went. Safe to run twice at once."""
    reporting_round = ReportingRound.objects.filter(pk=round_id).select_related("plan").first()
    return send_due(reporting_round) if reporting_round else 0
