"""What the benchmark measures: each path is a function (client, world) -> callable, and each
callable does one request (or render) and returns the size of what it produced."""

import random

from django.db import connection
from django.db.models import Count
from django.urls import reverse

from accounts.models import User
from actionplan.models import AccountableBody, Action, Plan
from bench import synthetic
from bench.environment import sign_in

# Paths compared with the admin changelist and the raw-SQL floor.
HEAVY = {
    "dashboard, first page",
    "dashboard, filtered + sorted",
    "dashboard, a day's view",
    "Board overview",
    "Board overview, a day's view",
    "My actions",
}
# A day that is not a quarter's end, just before the synthetic plans' reporting quarter ends
# (Q4 2016/17, whose round the pages open on): its view reads no round, only each action's
# latest update on or before the day, as every view did before quarters read their rounds.
A_DAY = "2017-03-30"
# The admin changelist shows 100 rows a page; the dashboard is asked for the same page size.
PAGE_SIZE = 100


def _user(username, **kwargs):
    user, _ = User.objects.get_or_create(username=username, defaults=kwargs)
    return user


def wscb_world() -> dict:
    author = _user("bench-author")
    _wscb_history(author)
    return _world()


def synthetic_world() -> dict:
    return _world()


def _wscb_history(author):
    """Eight quarters of updates and reporting rounds for the 42 WSCB actions, as in the
    synthetic plans."""
    rng = random.Random(2015)
    updates = synthetic.add_history(rng, list(Action.objects.all()), author)
    synthetic.add_rounds(rng, updates, author)


def _world() -> dict:
    # The busiest body: its dashboard is the largest.
    body = AccountableBody.objects.annotate(size=Count("actions")).order_by("-size", "pk")[0]
    owner = _user("bench-owner")
    role = Action.objects.filter(accountable_body=body).first().owner_links.first().role
    owner.roles.add(role)
    staff = _user("bench-admin", is_staff=True, is_superuser=True)
    action = Action.objects.filter(owner_links__role=role).first()
    return {
        "actions": Action.objects.count(),
        "body": body,
        "owner": owner,
        "staff": staff,
        "action": action,
        "plan": Plan.objects.order_by("pk").first(),
    }


def run_path(fn, client, world):
    return fn(client, world)


def _get(client, user, url):
    sign_in(client, user)

    def go():
        response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)
        return len(response.content)

    return go


def my_actions(client, w):
    return _get(client, w["owner"], reverse("actionplan:my-actions"))


def action_page(client, w):
    return _get(client, w["owner"], w["action"].get_absolute_url())


def status_post(client, w):
    sign_in(client, w["owner"])
    url = reverse("actionplan:action-update", kwargs={"pk": w["action"].pk})

    def go():
        version = Action.objects.values_list("version", flat=True).get(pk=w["action"].pk)
        data = {"rag": "green", "commentary": "Benchmark update: on track.", "version": version}
        response = client.post(url, data, secure=True)
        assert response.status_code == 302, response.status_code
        return len(response.content)

    return go


def plan_export(fmt):
    def path(client, w):
        return _get(
            client, w["owner"], reverse("actionplan:plan-export", args=[w["plan"].slug, fmt])
        )

    return path


def dashboard(query=""):
    def path(client, w):
        url = reverse("actionplan:body-dashboard", kwargs={"pk": w["body"].pk})
        return _get(client, w["owner"], f"{url}?per_page={PAGE_SIZE}{query}")

    return path


def overview(query=""):
    def path(client, w):
        return _get(client, w["owner"], reverse("actionplan:overview") + query)

    return path


def admin_changelist(client, w):
    url = reverse("admin:actionplan_action_changelist")
    return _get(client, w["staff"], f"{url}?accountable_body__id__exact={w['body'].pk}")


def raw_floor(client, w):
    sql = (
        "SELECT a.reference, a.description, a.due_date, a.current_rag, b.name "
        "FROM actionplan_action a "
        "JOIN actionplan_accountablebody b ON b.id = a.accountable_body_id "
        f"WHERE a.accountable_body_id = %s ORDER BY a.plan_id, a.sort_key LIMIT {PAGE_SIZE}"
    )

    def go():
        with connection.cursor() as cursor:
            cursor.execute(sql, [w["body"].pk])
            text = "\n".join("|".join(str(value) for value in row) for row in cursor.fetchall())
        return len(text.encode())

    return go


PATHS = {
    "dashboard, first page": dashboard(),
    "dashboard, filtered + sorted": dashboard("&rag=amber&rag=red&rag=green&sort=-due_date"),
    "dashboard, a day's view": dashboard(f"&as_of={A_DAY}"),
    "Board overview": overview(),
    "Board overview, a day's view": overview(f"?as_of={A_DAY}"),
    "My actions": my_actions,
    "action page + history": action_page,
    "status update POST": status_post,
    "plan export CSV": plan_export("csv"),
    "plan export XLSX": plan_export("xlsx"),
    "admin changelist (ref)": admin_changelist,
    "raw SQL floor (ref)": raw_floor,
}
