from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ActionplanConfig(AppConfig):
    name = "actionplan"
    verbose_name = "Action plan"

    def ready(self):
        from actionplan.groups import sync_groups

        post_migrate.connect(sync_groups, sender=self, dispatch_uid="actionplan.sync_groups")
