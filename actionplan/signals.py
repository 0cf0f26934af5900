"""Reloading a plan fixture must not reset statuses.

A fixture describes the plan, never its status: loaddata saves every field of an action, so
without this the denormalised status (current RAG, latest update, version) of an existing
action would be overwritten with the empty defaults each time the fixture is loaded again.
"""

from actionplan.models import Action

_STATUS_FIELDS = ["current_rag", "latest_update_id", "version"]


def keep_status_on_fixture_load(sender, instance, raw=False, **kwargs):
    if not raw or instance.pk is None:
        return
    current = Action.objects.filter(pk=instance.pk).values(*_STATUS_FIELDS).first()
    if current:
        for field, value in current.items():
            setattr(instance, field, value)
