from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords


class AgencyManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Agency(models.Model):
    """A partner organisation (police, health, a council...): the place people work."""

    name = models.CharField("name", max_length=200, unique=True)
    short_name = models.CharField("short name", max_length=60, blank=True)

    objects = AgencyManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


class User(AbstractUser):
    """A person in the partnership: works for an agency.

    The roles a person holds and the bodies they chair are declared by the plan
    (actionplan.OwnerRole.holders, AccountableBody.chairs) and read here as `user.roles` and
    `user.chaired_bodies`.
    """

    agency = models.ForeignKey(
        Agency,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name="agency",
    )
    job_title = models.CharField("job title", max_length=200, blank=True)
    # Set when something waits to be told to the person in the app (an action became theirs,
    # or stopped being theirs): read with the user on every request, so that a page asks for
    # the notices themselves only when there are some.
    has_unread_notices = models.BooleanField("has unread notices", default=False, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.get_full_name() or self.username


class InvitationQuerySet(models.QuerySet):
    def pending(self, *, now):
        """Neither taken up, revoked nor expired at `now`."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    """A single-use link that lets an invited person set their password. Only a hash of the
    token is kept: the link itself is in the e-mail alone."""

    person = models.ForeignKey(
        User, models.CASCADE, related_name="invitations", verbose_name="person"
    )
    token_hash = models.CharField("token hash", max_length=64, unique=True)
    sent_by = models.ForeignKey(
        User, models.SET_NULL, null=True, related_name="+", verbose_name="sent by"
    )
    created_at = models.DateTimeField("sent at")
    expires_at = models.DateTimeField("expires at")
    used_at = models.DateTimeField("taken up at", null=True, blank=True)
    revoked_at = models.DateTimeField("revoked at", null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation of {self.person} sent {self.created_at:%d/%m/%Y}"


class PersonEvent(models.Model):
    """One change to a person's account, for their page: who did what, when. Append-only."""

    person = models.ForeignKey(User, models.CASCADE, related_name="events", verbose_name="person")
    actor = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+", verbose_name="by")
    at = models.DateTimeField("when")
    what = models.CharField("what", max_length=1000)

    class Meta:
        # The person's page lists their events newest first.
        indexes = [models.Index(fields=["person", "-at"], name="accounts_event_person_at")]
        ordering = ["-at", "-pk"]

    def __str__(self):
        return self.what
