"""Error pages that reveal nothing of the internals, and a 503 when the database is down."""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template import loader

_DATABASE_DOWN = (OperationalError, InterfaceError)


def server_error(request):
    """handler500: a plain page; 503 "try again shortly" when the database cannot be reached.

    Renders without a database query and without a request context, so it works whatever
    failed. Django calls this inside its except block, so sys.exc_info() names the cause.
    """
    error = sys.exc_info()[1]
    if isinstance(error, _DATABASE_DOWN):
        body = loader.get_template("503.html").render()
        return HttpResponse(body, status=503, headers={"Retry-After": "30"})
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def healthz(request):
    """For load balancers and monitoring: 200 when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
