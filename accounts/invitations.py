"""Invitations: a single-use, expiring link by e-mail with which an invited person sets their
password (and then two-factor sign-in). Only a hash of the link's token is stored."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, PersonEvent, User

INVALID_LINK = (
    "This invitation link cannot be used: it has expired, has been used already, or was "
    "replaced by a newer one. Ask Board business support to send you a new invitation."
)


class InvitationRefusedError(Exception):
    """The link is unknown, used, revoked, expired, or its person deactivated."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def person_event(*, person: User, actor: User | None, what: str, now=None) -> PersonEvent:
    """Record one change to a person's account, for their page."""
    return PersonEvent.objects.create(
        person=person, actor=actor, at=now or timezone.now(), what=what[:1000]
    )


@transaction.atomic
def invitation_send(*, person: User, sent_by: User, build_url) -> Invitation:
    """A new invitation for a person not yet active (any earlier one stops working), e-mailed
    to them. `build_url(path)` makes the link absolute (request.build_absolute_uri)."""
    now = timezone.now()
    person.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        person=person,
        token_hash=_hash(token),
        sent_by=sent_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_DAYS),
    )
    link = build_url(reverse("accounts:invitation-accept", kwargs={"token": token}))
    context = {"person": person, "sent_by": sent_by, "link": link, "invitation": invitation}
    # Sent when the transaction commits: a failed write sends no link to nothing.
    transaction.on_commit(
        lambda: send_mail(
            "Your invitation to the partnership's action plan",
            render_to_string("accounts/email/invitation.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [person.email],
        )
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, person: User, actor: User) -> int:
    """Stop every pending invitation of a person. Returns how many."""
    revoked = person.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        person_event(person=person, actor=actor, what="Invitation revoked")
    return revoked


def invitation_for(token: str) -> Invitation:
    """The pending invitation this link's token opens, or InvitationRefusedError."""
    invitation = (
        Invitation.objects.pending(now=timezone.now())
        .select_related("person")
        .filter(token_hash=_hash(token))
        .first()
    )
    # An invitation is for a person not yet active: once deactivated, never by this way.
    if invitation is None or invitation.person.is_active or invitation.person.last_login:
        raise InvitationRefusedError(INVALID_LINK)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Take up an invitation: the person's password is set and they become active. The row
    is locked, so one link cannot be used twice at once."""
    invitation = invitation_for(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at or invitation.revoked_at:
        raise InvitationRefusedError(INVALID_LINK)
    now = timezone.now()
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    person = invitation.person
    person.set_password(password)
    person.is_active = True
    person.save(update_fields=["password", "is_active"])
    person_event(person=person, actor=person, what="Invitation taken up: password set", now=now)
    return person
