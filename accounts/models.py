from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person in the partnership: works for an agency, may hold owner roles and chair bodies.

    Owners of actions are roles, not people, so that a job-share or a change of post-holder
    needs no change to the plan: people are attached to roles here.
    """

    agency = models.ForeignKey(
        "actionplan.Agency",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name="agency",
    )
    job_title = models.CharField("job title", max_length=200, blank=True)
    roles = models.ManyToManyField(
        "actionplan.OwnerRole",
        blank=True,
        related_name="holders",
        verbose_name="owner roles held",
        help_text="The plan's owner roles this person holds; they may update those actions.",
    )
    chaired_bodies = models.ManyToManyField(
        "actionplan.AccountableBody",
        blank=True,
        related_name="chairs",
        verbose_name="bodies chaired",
        help_text="Accountable bodies (sub-groups, boards) this person chairs.",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.get_full_name() or self.username
