"""E-mails telling people that actions became theirs to update, or stopped being theirs
(issue 17): one per person and change, listing that change's actions, planned as an
OwnerChangeEmail row in the change's own transaction (services.owner_changes_tell) and sent
by the background worker after it commits, never in a web request.

Each e-mail goes at most once, however many senders run at once, the way a round's do
(actionplan.round_emails): claim the row with a conditional UPDATE, send, mark it sent; on a
failure release the claim with the error and a back-off. The task is enqueued when a change
commits, and `manage.py run_rounds` (cron) sends whatever still waits, so an e-mail that
failed, or whose task was lost, goes on a later run. The same at-least-once edge: a sender
that dies between the SMTP server accepting and the row being marked sent sends it again once
its claim expires (ROUND_EMAIL_CLAIM_SECONDS).
"""

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from actionplan import outbox
from actionplan.models import OwnerChange, OwnerChangeEmail

logger = logging.getLogger(__name__)

# Rows closed without sending (sent_at set, the reason in last_error; a sent row has none).
UNREACHABLE = "Not sent: the person is inactive or has no e-mail address."
NOTHING_LEFT = "Not sent: its actions were deleted."


def send_due(*, now: datetime | None = None) -> int:
    """Claim and send every owner change e-mail now due; returns how many were sent. Safe to
    run in several processes at once. Four queries an e-mail (claim, the row and its person,
    its notices and their actions, mark sent), plus one."""
    now = now or timezone.now()
    due = OwnerChangeEmail.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now)
    sent = 0
    connection = get_connection(fail_silently=False)
    for email_id in list(due.order_by("pk").values_list("pk", flat=True)):
        if not outbox.claim(OwnerChangeEmail, email_id, now=now):
            continue
        email = OwnerChangeEmail.objects.select_related("person").get(pk=email_id)
        notices = sorted(
            email.notices.select_related("action"), key=lambda notice: notice.action.sort_key
        )
        unsent = _why_not(email, notices)
        if unsent:
            OwnerChangeEmail.objects.filter(pk=email_id).update(sent_at=now, last_error=unsent)
            continue
        sent += _send_one(email, notices, connection=connection, now=now)
    connection.close()
    return sent


def _why_not(email: OwnerChangeEmail, notices: list) -> str:
    """Why the e-mail is not to go now (the person switched off, or their address or the
    actions gone since the change), or "" to send it."""
    if not (email.person.is_active and email.person.email):
        return UNREACHABLE
    return "" if notices else NOTHING_LEFT


def _send_one(email: OwnerChangeEmail, notices: list, *, connection, now: datetime) -> int:
    # Read after its claim: `attempts` counts this one.
    return outbox.send(
        OwnerChangeEmail,
        email.pk,
        lambda: compose(email, notices),
        attempts_before=email.attempts - 1,
        connection=connection,
        now=now,
    )


def _items(notices, change: str, url_name: str, site: str) -> list[dict]:
    return [
        {
            "reference": notice.action.reference,
            "description": notice.action.short_description,
            "url": site + reverse(url_name, kwargs={"pk": notice.action_id}),
        }
        for notice in notices
        if notice.change == change
    ]


def compose(email: OwnerChangeEmail, notices: list) -> EmailMultiAlternatives:
    """The e-mail for `notices` (the e-mail's, with their actions): plain text with an HTML
    alternative. Only references, titles and links: never commentary, which belongs behind
    the sign-in."""
    site = settings.SITE_URL.rstrip("/")
    gained = _items(notices, OwnerChange.GAINED, "actionplan:action-update", site)
    lost = _items(notices, OwnerChange.LOST, "actionplan:action-detail", site)
    context = {
        "person": email.person,
        "gained": gained,
        "lost": lost,
        "my_actions_url": site + reverse("actionplan:my-actions"),
    }
    message = EmailMultiAlternatives(
        subject=subject(gained=len(gained), lost=len(lost)),
        body=render_to_string("actionplan/email/owner_change.txt", context),
        to=[email.person.email],
    )
    message.attach_alternative(
        render_to_string("actionplan/email/owner_change.html", context), "text/html"
    )
    return message


def _count(number: int) -> str:
    return f"{number} action{'' if number == 1 else 's'}"


def subject(*, gained: int, lost: int) -> str:
    parts = []
    if gained:
        parts.append(f"{_count(gained)} now yours to update")
    if lost:
        parts.append(f"{_count(lost)} no longer yours")
    return "Your actions have changed: " + ", ".join(parts)
