"""Shared fixtures: the WSCB plan and small make_* helpers."""

import contextlib
import json
import os
import socket
import threading
import time
from datetime import date
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from django import test
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, connections, models, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from accounts.models import Agency, User
from accounts.permissions import BOARD_MEMBER_GROUP, BUSINESS_SUPPORT_GROUP, must_use_two_factor
from accounts.two_factor import AUTHENTICATOR_NAME, authenticator_of
from actionplan.models import (
    AccountableBody,
    Action,
    ActionOwner,
    Objective,
    OwnerRole,
    Plan,
    Priority,
)
from actionplan.services import plan_load

# Hypothesis: under CI the same examples every run (a failure there is a regression, never
# luck); elsewhere new ones each run, which is how `?sort=.` was found. A failure prints the
# blob that replays it (@reproduce_failure).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "explore")

ROOT = Path(__file__).resolve().parent.parent
WSCB_FIXTURE = ROOT / "fixtures" / "wscb_cse_action_plan.json"
WSCB_SLUG = "wscb-cse-2015-18"
PASSWORD = "correct-horse-battery"  # every make_user person's, unless given
# The authenticator key (hex, as django-otp stores it) of every person make_user gives a
# second factor; tests compute the codes from it, as the person's phone would.
TOTP_KEY = "3132333435363738393031323334353637383930"


@pytest.fixture(autouse=True)
def _two_factor_as_in_the_demo(settings):
    # Only the people who must (business support, Board members, staff) have a second factor;
    # tests of MFA_REQUIRED_FOR_ALL turn it on. Pinned: the default follows DEBUG.
    settings.MFA_REQUIRED_FOR_ALL = False


class Client(test.Client):
    """Django's test client, whose force_login gives a session that has passed both factors
    (as it skips the password, it skips the code): a person with an authenticator is signed in
    with it. `second_factor=False` leaves the session at the code step."""

    def force_login(self, user, backend=None, *, second_factor=True):
        super().force_login(user, backend)
        device = authenticator_of(user) if second_factor else None
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def admin_user(db, django_user_model):
    user = django_user_model._default_manager.create_superuser("admin", "admin@example.com")
    give_second_factor(user)
    return user


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def give_second_factor(user, *, key: str = TOTP_KEY) -> TOTPDevice:
    """A confirmed authenticator, as if the person had set it up."""
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, key=key, confirmed=True)


def totp_code(device: TOTPDevice, *, at: float | None = None, steps_ahead: int = 0) -> str:
    """The code the person's authenticator app shows at `at` (now if not given)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = (time.time() if at is None else at) + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Tests create many users; the production hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The WSCB plan's rows as loaded, by model: restoring them takes a few bulk inserts, where
# load_plan resolves natural keys with about 1,200 queries (seconds, for each browser test).
_wscb_rows: list[tuple[type[models.Model], list[dict]]] = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Load the WSCB plan once per run; each test's transaction then rolls back on top of it.
    with django_db_blocker.unblock():
        plan_load(path=WSCB_FIXTURE)
        _wscb_rows[:] = [(model, list(model._base_manager.values())) for model in _plan_models()]
    yield
    with django_db_blocker.unblock():
        _close_stray_connections()


def run_task_worker():
    """Run the background worker over what is queued, then stop, as the worker ./run.sh serve
    starts would: `db_worker`, or with TASK_BACKEND=rq, RQ's worker on the real Redis (in this
    process, as .ci/run's Redis step runs the round journey)."""
    if django_settings.TASK_BACKEND == "rq":
        call_command(
            "rqworker", "default", "--burst", "--job-class", "django_tasks_rq.Job",
            "--worker-class", "rq.worker.SimpleWorker", verbosity=0,
        )  # fmt: skip
    else:
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture(autouse=True)
def _empty_task_queue():
    # Redis keeps its queue between tests (the database backend's rolls back with the test).
    if django_settings.TASK_BACKEND == "rq":
        import django_rq

        django_rq.get_queue("default").empty()


def run_in_threads(target, count: int) -> list[Exception]:
    """target(index) for index 0 .. count-1, each in its own thread, all released at once by a
    barrier; each thread closes its database connections when done. The errors they raised:
    the caller asserts there are none (a thread's failure is otherwise silent)."""
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=60)
            target(index)
        except Exception as error:  # noqa: BLE001 - every failure is reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _close_stray_connections():
    """PostgreSQL will not drop the test database while any session is open on it. A live-server
    request thread or a pack worker process can outlive its test by a moment: end them here."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _plan_models() -> list[type[models.Model]]:
    """The fixture's models in its own (dependency) order, then their many-to-many tables."""
    labels = dict.fromkeys(obj["model"] for obj in json.loads(WSCB_FIXTURE.read_text()))
    plan_models = [apps.get_model(label) for label in labels]
    through = [
        field.remote_field.through
        for model in plan_models
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    return plan_models + through


@transaction.atomic
def _restore_wscb_plan():
    for model, rows in _wscb_rows:
        model._base_manager.bulk_create(model(**row) for row in rows)
    sequences = connection.ops.sequence_reset_sql(no_style(), [model for model, _ in _wscb_rows])
    with connection.cursor() as cursor:
        for sql in sequences:
            cursor.execute(sql)


def ensure_wscb_plan() -> Plan:
    """The WSCB plan, loaded again if a live-server (transactional) test emptied the database."""
    if not Plan.objects.filter(slug=WSCB_SLUG).exists():
        _restore_wscb_plan()
    return Plan.objects.get(slug=WSCB_SLUG)


@pytest.fixture
def wscb_plan(db):
    return ensure_wscb_plan()


def make_user(**kwargs):
    kwargs.setdefault("username", f"user{User.objects.count() + 1}")
    password = kwargs.pop("password", PASSWORD)
    groups = kwargs.pop("groups", [])
    two_factor = kwargs.pop("two_factor", None)
    user = User.objects.create(**kwargs)
    user.set_password(password)
    user.save()
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    # By default a person who must use a second factor has set one up (two_factor=False: not
    # yet); a fresh object, so that the question's cached answers stay off the one returned.
    if two_factor or (two_factor is None and must_use_two_factor(User.objects.get(pk=user.pk))):
        give_second_factor(user)
    return user


def admin_user_form_data(user) -> dict:
    """What the admin's change form for `user` posts when nothing is changed: its fields, and
    its inlines (roles held, bodies chaired) left as they are."""
    from django.contrib import admin
    from django.forms.models import _get_foreign_key

    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "agency": user.agency_id or "",
        "job_title": user.job_title,
        "is_active": "on" if user.is_active else "",
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": "09:00:00",
    }
    for inline in admin.site._registry[User].inlines:
        fk = _get_foreign_key(User, inline.model)  # as BaseInlineFormSet.get_default_prefix
        prefix = fk.remote_field.get_accessor_name(model=inline.model).replace("+", "")
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    return data


def make_plan(**kwargs):
    kwargs.setdefault("title", "Test plan")
    kwargs.setdefault("partnership", "Test Safeguarding Partnership")
    kwargs.setdefault("period", "2025-28")
    kwargs.setdefault("slug", f"plan-{Plan.objects.count() + 1}")
    return Plan.objects.create(**kwargs)


def make_body(**kwargs):
    kwargs.setdefault("name", f"Body {AccountableBody.objects.count() + 1}")
    kwargs.setdefault("kind", AccountableBody.Kind.SUB_GROUP)
    return AccountableBody.objects.create(**kwargs)


def make_role(**kwargs):
    if "agency" not in kwargs:
        kwargs["agency"], _ = Agency.objects.get_or_create(name="Test Agency")
    kwargs.setdefault("title", f"Role {OwnerRole.objects.count() + 1}")
    return OwnerRole.objects.create(**kwargs)


def make_action(**kwargs):
    """An action with its plan, priority and objective made as needed."""
    objective = kwargs.pop("objective", None)
    if objective is None:
        plan = kwargs.pop("plan", None) or make_plan()
        priority, _ = Priority.objects.get_or_create(plan=plan, number=1, defaults={"title": "P1"})
        objective, _ = Objective.objects.get_or_create(
            priority=priority, number="1.1", defaults={"title": "O1"}
        )
    kwargs.setdefault("plan", objective.priority.plan)
    kwargs.setdefault("reference", f"{objective.number}.{objective.actions.count() + 1}")
    kwargs.setdefault("description", f"Action {kwargs['reference']}")
    kwargs.setdefault("timeframe", "November 2015")
    kwargs.setdefault("due_date", date(2015, 11, 30))
    if "accountable_body" not in kwargs:
        kwargs["accountable_body"] = make_body()
    owners = kwargs.pop("owners", [])
    action = Action.objects.create(objective=objective, **kwargs)
    for order, role in enumerate(owners, start=1):
        ActionOwner.objects.create(action=action, role=role, order=order)
    return action


def make_measure(action, **kwargs):
    """A quantified measure of `action` (a number, higher is better, target 20, baseline 12)."""
    from decimal import Decimal

    from actionplan.models import Measure

    kwargs.setdefault("text", f"Measure {action.measures.count() + 1}")
    kwargs.setdefault("order", action.measures.count() + 1)
    kwargs.setdefault("unit", "number")
    kwargs.setdefault("baseline_value", Decimal(12))
    kwargs.setdefault("target_value", Decimal(20))
    return Measure.objects.create(action=action, **kwargs)


# A value of make_measure's measure (target 20, higher is better, 5 % tolerance) in each band.
BAND_VALUES = {"green": 20, "amber": 19.5, "red": 10}


def make_measure_value(measure, *, quarter: str, rag: str, **kwargs):
    """A value of `measure` for `quarter` in band `rag` (BAND_VALUES), banded as
    services.measure_values_record bands it."""
    from decimal import Decimal

    from actionplan.models import MeasureValue

    kwargs.setdefault("recorded_by", make_user())
    value = MeasureValue(
        measure=measure, quarter=quarter, value=Decimal(str(BAND_VALUES[rag])), **kwargs
    )
    value.against_target = value.rag
    assert value.against_target == rag
    value.save()
    return value


# Personas on the WSCB plan. The action they are judged against is 2.1.1: owned by the
# "Chair of Missing Children, CSE and Trafficking Group" role, accountable to the CSE
# Strategic Group.
TARGET_REF = "2.1.1"


# Personas, one per kind of person the permission rules tell apart.
def _person(username, *, roles=(), chairs=(), group=None, **kwargs):
    user = make_user(username=username, groups=[group] if group else [], **kwargs)
    user.roles.set(roles)
    user.chaired_bodies.set(chairs)
    return user


@pytest.fixture
def target_action(wscb_plan):
    return wscb_plan.actions.get(reference=TARGET_REF)


@pytest.fixture
def owner(target_action):
    return _person("owner", roles=[target_action.owner_links.get().role])


@pytest.fixture
def other_owner(wscb_plan):
    police = OwnerRole.objects.get(title="Head of Protecting Vulnerable People")
    return _person("other_owner", roles=[police])


@pytest.fixture
def chair(target_action):
    return _person("chair", chairs=[target_action.accountable_body])


@pytest.fixture
def other_chair(wscb_plan):
    return _person(
        "other_chair",
        chairs=[AccountableBody.objects.get(name="Monitoring Effectiveness Sub Group")],
    )


@pytest.fixture
def business_support(wscb_plan):
    return _person("support", group=BUSINESS_SUPPORT_GROUP, is_staff=True)


@pytest.fixture
def board_member(wscb_plan):
    return _person("board", group=BOARD_MEMBER_GROUP)


@pytest.fixture
def outsider(wscb_plan):
    """Signed in, holds no role, chairs nothing, in no group."""
    return _person("outsider")


PERSONAS = [
    "anonymous", "owner", "other_owner", "chair", "other_chair", "business_support",
    "board_member", "outsider",
]  # fmt: skip

# People part-way in, for the permission matrix: every page but the way on refuses them.
# An invited person (account made, invitation not yet taken up: inactive, no password) is
# treated as signed out; a Board member who has given their password but has not yet set up
# the second factor they must have reaches only its set-up page.
PARTWAY_PERSONAS = ["invited", "two_factor_pending"]


@pytest.fixture
def invited(wscb_plan):
    user = _person("invited", is_active=False)
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture
def two_factor_pending(wscb_plan):
    return _person("pending", group=BOARD_MEMBER_GROUP, two_factor=False)


def app_url_names(resolver=None, prefix=""):
    """Every named URL of our own apps, with its pattern, derived from the resolver (not a
    hand-kept list): the permission matrix and the login check both walk it."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in {"admin"} or "django.contrib.auth" in str(pattern.urlconf_name):
                continue
            yield from app_url_names(
                pattern, prefix + (f"{pattern.namespace}:" if pattern.namespace else "")
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name, pattern


@pytest.fixture
def persona(request):
    """Look a persona fixture up by name (None for anonymous)."""

    def get(name):
        return None if name == "anonymous" else request.getfixturevalue(name)

    return get


class SmtpInbox:
    """A real SMTP server on this machine (aiosmtpd), keeping every message it accepts.
    stop() and start() take it down and bring it back on the same port."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.port = _free_port()
        self.refuse_after: int | None = None  # accept this many, then answer 451 (try later)
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse_after is not None and len(self.messages) >= self.refuse_after:
            return "451 Requested action aborted: try again later"
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def start(self):
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        self._controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"].split(", ")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    """Django's SMTP backend pointed at a real SMTP server started for the test."""
    inbox = SmtpInbox()
    inbox.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_TIMEOUT = False, "", 5
    yield inbox
    with contextlib.suppress(AssertionError, RuntimeError):
        inbox.stop()
