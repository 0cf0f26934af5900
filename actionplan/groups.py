"""The partnership's two groups and what the admin lets them do.

Kept in step with the code after every migrate (see ActionplanConfig.ready), so that a new
deployment and a new model both get the right permissions without a manual step. Here, not in
accounts, because the grants name the plan's models as well as people's.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

from accounts.permissions import BOARD_MEMBER_GROUP, BUSINESS_SUPPORT_GROUP

# Business support maintains the plan and the people; status history stays read-only.
_PLAN_MODELS = [
    "plan", "priority", "objective", "action", "actionowner", "measure", "milestone",
    "accountablebody", "ownerrole",
]  # fmt: skip


def _business_support_permissions():
    full = Permission.objects.filter(
        content_type__app_label="actionplan", content_type__model__in=_PLAN_MODELS
    ) | Permission.objects.filter(content_type__app_label="accounts", content_type__model="agency")
    people = Permission.objects.filter(
        content_type__app_label="accounts",
        content_type__model="user",
        codename__in=["add_user", "change_user", "view_user"],
    )
    views = Permission.objects.filter(
        codename__in=["view_statusupdate", "view_measurevalue", "view_group"]
    ) | Permission.objects.filter(
        content_type__model__startswith="historical", codename__startswith="view_"
    )
    return full | people | views


def sync_groups(**kwargs):
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    support, _ = Group.objects.get_or_create(name=BUSINESS_SUPPORT_GROUP)
    support.permissions.set(_business_support_permissions())
    Group.objects.get_or_create(name=BOARD_MEMBER_GROUP)
