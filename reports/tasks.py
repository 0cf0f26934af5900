"""Background tasks (django-tasks, database backend): run by `manage.py db_worker`."""

from django_tasks import task

from reports.services import board_pack_request_run


@task()
def produce_board_pack(request_id: int) -> int | None:
    """Produce the Board pack a BoardPackRequest asks for; returns the kept pack's id."""
    pack = board_pack_request_run(request_id=request_id)
    return pack.pk if pack else None
