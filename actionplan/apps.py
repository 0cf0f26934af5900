from django.apps import AppConfig
from django.db.models.signals import pre_save


class ActionplanConfig(AppConfig):
    name = "actionplan"
    verbose_name = "Action plan"

    def ready(self):
        from actionplan.models import Action
        from actionplan.signals import keep_status_on_fixture_load

        pre_save.connect(keep_status_on_fixture_load, sender=Action, dispatch_uid="keep_status")
