"""People of the partnership, run by business support from the app's own pages: invite,
change roles, bodies and Board access, deactivate and reactivate. Every change is recorded
(accounts.PersonEvent: who, when, what) and shown on the person's page (docs/people.md).

Roles and bodies are the plan's (OwnerRole.holders, AccountableBody.chairs), which is why
this lives here and not in accounts."""

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.invitations import invitation_revoke, invitation_send, person_event
from accounts.models import Agency, User
from accounts.permissions import ASSIGNABLE_GROUPS
from actionplan.models import AccountableBody, OwnerRole
from actionplan.services import holder_changes_tell, owned_action_ids


def _access_groups(access: str) -> list[Group]:
    if access and access not in ASSIGNABLE_GROUPS:
        raise ValueError(f"Not a group business support may give: {access!r}")
    return [Group.objects.get_or_create(name=access)[0]] if access else []


def _names(items) -> str:
    return ", ".join(sorted(str(item) for item in items)) or "none"


@transaction.atomic
def person_invite(
    *,
    first_name: str,
    last_name: str,
    email: str,
    agency: Agency | None,
    job_title: str,
    roles: list[OwnerRole],
    bodies: list[AccountableBody],
    access: str,
    invited_by: User,
    build_url,
) -> User:
    """A new person, not active until they take up the invitation e-mailed to them."""
    person = User(
        username=email, email=email, first_name=first_name, last_name=last_name,
        agency=agency, job_title=job_title, is_active=False,
    )  # fmt: skip
    person.set_unusable_password()
    person.save()
    person.roles.set(roles)
    person.chaired_bodies.set(bodies)
    person.groups.set(_access_groups(access))
    person_event(
        person=person,
        actor=invited_by,
        what=f"Invited; roles: {_names(roles)}; bodies chaired: {_names(bodies)}; "
        f"Board access: {access or 'none'}",
    )
    invitation_send(person=person, sent_by=invited_by, build_url=build_url)
    return person


@transaction.atomic
def person_invitation_resend(*, person: User, actor: User, build_url) -> None:
    invitation_send(person=person, sent_by=actor, build_url=build_url)
    person_event(person=person, actor=actor, what="Invitation sent again (earlier links stop)")


def person_invitation_revoke(*, person: User, actor: User) -> int:
    return invitation_revoke(person=person, actor=actor)


@transaction.atomic
def person_update(
    *,
    person: User,
    actor: User,
    first_name: str,
    last_name: str,
    agency: Agency | None,
    job_title: str,
    roles: list[OwnerRole],
    bodies: list[AccountableBody],
    access: str,
) -> list[str]:
    """Change a person's details, roles, bodies and Board access; returns what changed. A
    change of roles tells them of the actions it gives or takes away (in the app and by
    e-mail, services.holder_changes_tell)."""
    changes = []
    for field, value in [("first_name", first_name), ("last_name", last_name),
                         ("agency", agency), ("job_title", job_title)]:  # fmt: skip
        if getattr(person, field) != value:
            label = User._meta.get_field(field).verbose_name
            changes.append(f"{label}: {getattr(person, field) or 'none'} → {value or 'none'}")
            setattr(person, field, value)
    person.save()
    old_roles, old_bodies = set(person.roles.all()), set(person.chaired_bodies.all())
    if old_roles != set(roles):
        changes.append(f"roles: {_names(old_roles)} → {_names(roles)}")
        owned_before = owned_action_ids([person.pk])
        person.roles.set(roles)
        holder_changes_tell(before=owned_before)
    if old_bodies != set(bodies):
        changes.append(f"bodies chaired: {_names(old_bodies)} → {_names(bodies)}")
        person.chaired_bodies.set(bodies)
    old_access = current_access(person)
    if old_access != access:
        changes.append(f"Board access: {old_access or 'none'} → {access or 'none'}")
        kept = person.groups.exclude(name__in=ASSIGNABLE_GROUPS)
        person.groups.set([*kept, *_access_groups(access)])
    for change in changes:
        person_event(person=person, actor=actor, what=f"Changed {change}")
    return changes


def current_access(person: User) -> str:
    names = [group.name for group in person.groups.all() if group.name in ASSIGNABLE_GROUPS]
    return names[0] if names else ""


def _end_sessions(person: User) -> int:
    """Delete every session of this person. Sessions are signed blobs, not indexed by user:
    this reads the unexpired ones (a few hundred at most in this partnership)."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(person.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


@transaction.atomic
def person_deactivate(*, person: User, actor: User) -> None:
    """They can no longer sign in; their sessions end at once and pending invitations stop.
    Their name stays on every update they made, and their second factor is kept for if they
    come back."""
    person.is_active = False
    person.save(update_fields=["is_active"])
    invitation_revoke(person=person, actor=actor)
    ended = _end_sessions(person)
    person_event(person=person, actor=actor, what=f"Deactivated ({ended} session(s) ended)")


@transaction.atomic
def person_reactivate(*, person: User, actor: User, build_url) -> None:
    """A person who had signed in before may sign in again (and sets up their second factor
    again); one who never took up their invitation is sent a new one."""
    if person.last_login is None:
        person_event(person=person, actor=actor, what="Reactivated: invitation sent again")
        invitation_send(person=person, sent_by=actor, build_url=build_url)
        return
    person.is_active = True
    person.save(update_fields=["is_active"])
    person_event(person=person, actor=actor, what="Reactivated")
