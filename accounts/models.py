from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person in the partnership. Custom from the first migration, as Django advises."""
