from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and permissions"

    def ready(self):
        from accounts import security_log  # noqa: F401 - connects the security-event receivers
        from accounts.groups import sync_groups

        post_migrate.connect(sync_groups, sender=self, dispatch_uid="accounts.sync_groups")
