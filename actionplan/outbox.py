"""E-mails sent at most once however many senders run at once: the outbox rows of a round's
e-mails (RoundEmail) and of owner changes (OwnerChangeEmail) share the fields claimed_at,
sent_at, attempts, next_attempt_at and last_error (their abstract base, models.OutboxEmail),
and these three steps (the protocol and its one honest edge are in actionplan.round_emails'
docstring):

claim() takes a row with a conditional UPDATE; send() hands the message over and marks the row
sent, or releases the claim with the error and a back-off of 1, 2, 4 ... minutes, at most an
hour. A returned-to-owner notice keeps the same bookkeeping on its SignOff row (notice_*), so
it shares backoff_seconds() and failure().
"""

import contextlib
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

logger = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600


def backoff_seconds(attempts_before: int) -> int:
    """How long to wait after a failed send, by the attempts made before it."""
    return min(BACKOFF_FIRST_SECONDS * 2**attempts_before, BACKOFF_MAX_SECONDS)


def failure(error: Exception) -> str:
    """The error as kept in last_error and shown on the round page."""
    return f"{type(error).__name__}: {error}"[:500]


def claim(model, pk: int, *, now: datetime) -> bool:
    """Take the row for this sender, or learn that another has it (or it was sent): unsent,
    due, and not claimed in the last ROUND_EMAIL_CLAIM_SECONDS."""
    stale = now - timedelta(seconds=settings.ROUND_EMAIL_CLAIM_SECONDS)
    claimed = model.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale),
        pk=pk,
        sent_at__isnull=True,
        next_attempt_at__lte=now,
    ).update(claimed_at=now, attempts=F("attempts") + 1)
    return claimed == 1


def send(model, pk: int, compose, *, attempts_before: int, connection, now: datetime) -> int:
    """Send the message compose() makes for the claimed row `pk` and mark it sent (1); on any
    failure, composing included, release the claim with the error and a back-off (0)."""
    try:
        message = compose()
        message.connection = connection
        message.send()
    except Exception as error:  # noqa: BLE001 - any failure to hand over is retried
        delay = backoff_seconds(attempts_before)
        model.objects.filter(pk=pk).update(
            claimed_at=None,
            next_attempt_at=now + timedelta(seconds=delay),
            last_error=failure(error),
        )
        name = model._meta.verbose_name
        logger.warning("%s %s not sent, retrying in %ss: %s", name, pk, delay, error)
        with contextlib.suppress(Exception):  # a dead connection may fail to close too
            connection.close()
        return 0
    model.objects.filter(pk=pk).update(sent_at=timezone.now(), last_error="")
    return 1
