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
