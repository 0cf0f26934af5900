"""Demo people for the WSCB plan, one per persona, with a published password.

Only for trying the app out: the seed_demo command refuses to run when DEBUG is off.
`support` and `board` must sign in with a second factor: they share a published authenticator
key, so that newcomers and browser tests can make their codes.
"""

from base64 import b32decode

from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Agency, User
from accounts.permissions import BOARD_MEMBER_GROUP, BUSINESS_SUPPORT_GROUP, must_use_two_factor
from accounts.two_factor import AUTHENTICATOR_NAME
from actionplan.models import AccountableBody, OwnerRole

DEMO_PASSWORD = "demo-password-2015"
# Base32, as an authenticator app asks for it typed in. Published: demo only.
DEMO_TOTP_SECRET = "ACTI ONPL ANDE MOKE YONL YFOR TRYI NGIT"
WSCB = "Worcestershire Safeguarding Children Board"
POLICE = "West Mercia Police"

# username, first, last, agency, job title, roles held (agency, title), bodies chaired, group
PEOPLE = [
    ("owner", "Olivia", "Owen", WSCB, "Chair of Missing Children, CSE and Trafficking Group",
     [(WSCB, "Chair of Missing Children, CSE and Trafficking Group")], [], None),
    ("police", "Peter", "Hale", POLICE, "Head of Protecting Vulnerable People",
     [(POLICE, "Head of Protecting Vulnerable People")], [], None),
    ("chair", "Chris", "Chandler", WSCB, "Chair of CSE Strategic Group",
     [(WSCB, "Chair of CSE Strategic Group")], ["CSE Strategic Group"], None),
    ("mesg-chair", "Maya", "Evans", WSCB, "Chair of the Monitoring Effectiveness Group",
     [(WSCB, "Chair of the Monitoring Effectiveness Group")],
     ["Monitoring Effectiveness Sub Group"], None),
    ("support", "Sam", "Sutton", WSCB, "WSCB Business Support Officer",
     [(WSCB, "WSCB Business Support Team")], [], BUSINESS_SUPPORT_GROUP),
    ("board", "Bev", "Rowley", WSCB, "Independent Chair's nominee, Board member",
     [], [], BOARD_MEMBER_GROUP),
]  # fmt: skip


@transaction.atomic
def seed_demo_people() -> list[User]:
    """Create or reset every demo person; running it twice gives the same result."""
    people = []
    for username, first, last, agency, job, roles, bodies, group in PEOPLE:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, user.last_name, user.job_title = first, last, job
        user.email = f"{username}@example.org"
        user.agency = Agency.objects.get(name=agency)
        user.is_staff = group == BUSINESS_SUPPORT_GROUP
        user.is_superuser = False
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.roles.set([OwnerRole.objects.get(agency__name=a, title=t) for a, t in roles])
        user.chaired_bodies.set(AccountableBody.objects.filter(name__in=bodies))
        user.groups.set(Group.objects.filter(name=group) if group else [])
        _set_demo_second_factor(user)
        people.append(user)
    return people


def demo_totp_key() -> str:
    """The demo authenticator key as django-otp keeps it (hex)."""
    return b32decode(DEMO_TOTP_SECRET.replace(" ", "")).hex()


def _set_demo_second_factor(user):
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if must_use_two_factor(type(user).objects.get(pk=user.pk)):
        TOTPDevice.objects.create(
            user=user, name=AUTHENTICATOR_NAME, key=demo_totp_key(), confirmed=True
        )
