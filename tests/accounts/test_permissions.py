"""One matrix: every URL of our apps x method x persona -> the status code expected.

The URL list is derived from the resolver, so a new URL without rows here fails the test.
The same rows drive a crawl of every GET, as each persona, which must change nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.permissions import BOARD_MEMBER_GROUP
from actionplan.import_forms import MatchForm
from actionplan.importing.commit import (
    plan_import_commit,
    plan_import_create,
    plan_import_map,
    preview,
)
from actionplan.plan_edit_forms import ActionForm
from actionplan.plan_edits import action_retire
from actionplan.quarters import Quarter
from actionplan.rounds import round_open
from actionplan.services import status_update_create
from reports import services
from reports.pdf import RenderedPdf
from tests.conftest import (
    PARTWAY_PERSONAS,
    PERSONAS,
    WSCB_SLUG,
    Client,
    app_url_names,
    make_user,
)

pytestmark = pytest.mark.django_db

ALL = set(PERSONAS) - {"anonymous"}
MAY_UPDATE = {"owner", "chair", "business_support"}
# Re-baselining is the Board's decision: the body's chair and business support, not owners.
MAY_REVISE_DUE_DATE = {"chair", "business_support"}


@pytest.fixture
def objects(target_action, business_support, monkeypatch):
    """The objects the URLs are asked about: the target action, and a kept Board pack (its PDF
    a stand-in: this matrix is about who may fetch it; tests/reports render real packs)."""
    monkeypatch.setattr(
        services, "render_pdf", lambda html, **_: RenderedPdf(b"%PDF-1.7 stand-in", 1)
    )
    pack = services.board_pack_create(
        plan=target_action.plan, quarter=Quarter.parse("2015-Q3"), produced_by=business_support
    )
    reporting_round = round_open(
        plan=target_action.plan, quarter=Quarter.parse("2015-Q3"), opened_by=business_support
    )
    status_update_create(
        action=target_action, author=business_support, rag="green",
        commentary="On track: the protocol is drafted.", expected_version=target_action.version,
    )  # fmt: skip
    entry = reporting_round.round_actions.get(action=target_action)
    upload, imported = _imports(business_support)
    # An ordinary person whose second factor business support may reset.
    # A retired action, for the reinstate page.
    retired = target_action.plan.actions.get(reference="1.1.1")
    action_retire(action=retired, on=date(2016, 1, 1), reason="Merged", by=business_support)
    person = make_user(username="colleague", groups=[BOARD_MEMBER_GROUP])
    # Invited, not yet joined: their invitation may be sent again or revoked.
    invitee = make_user(username="invitee", is_active=False)
    return SimpleNamespace(
        action=target_action, pack=pack, round=reporting_round, entry=entry,
        upload=upload, imported=imported, matches=_matches(upload), person=person,
        invitee=invitee, retired=retired,
    )  # fmt: skip


IMPORT_CSV = (
    b"Action,Lead,Accountable body,Timescale\n"
    b"Review the pathway,Chair of CSE Panel,CSE Strategic Group,March 2016\n"
)


def _import_details(slug):
    return {
        "title": "Imported", "partnership": "A partnership", "short_name": "",
        "period": "2016-19", "slug": slug, "status_from": "none", "status_date": "",
    }  # fmt: skip


def _imports(user):
    """A pending upload, mapped, and an import already made: both business support's."""
    uploads = []
    for slug in ("imported-pending", "imported-done"):
        upload = plan_import_create(name="plan.csv", data=IMPORT_CSV, uploaded_by=user)
        plan_import_map(plan_import=upload, mapping=upload.mapping, details=_import_details(slug))
        uploads.append(upload)
    plan_import_commit(plan_import=uploads[1], user=user)
    return uploads


def _matches(upload):
    """The preview's form as shown: every match as suggested."""
    form = MatchForm(plan_import=upload, result=preview(upload))
    return {name: form[name].initial for name in form.fields}


def _mapping_post(o):
    return {"column_0": "description", "column_1": "owners", "column_2": "accountable_body",
            "column_3": "timeframe", **_import_details("imported-mapped")}  # fmt: skip


def _valid_update(o):
    action = o.action
    return {
        "rag": "green",
        "commentary": "On track: the flagging protocol is drafted.",
        "version": action.version,
    }


def _draft(o):
    return {"rag": "amber", "commentary": "Half-written: the protocol", "version": o.action.version}


def _valid_revision(o):
    return {"due_date": "2016-03-31", "reason": "Re-baselined by the Board in January 2016."}


def _expect(allowed: set, *, ok=200, denied=403):
    expected = {name: (ok if name in allowed else denied) for name in ALL}
    # Signed out, or part-way in: to the sign-in page, or on to the second factor's set-up.
    expected.update(dict.fromkeys(["anonymous", *PARTWAY_PERSONAS], 302))
    return expected


OPEN_TO_ALL = dict.fromkeys([*PERSONAS, *PARTWAY_PERSONAS], 200)
HAVE_SECOND_FACTOR = {"business_support", "board_member"}  # required of them, so set up


@dataclass(frozen=True)
class Row:
    """One request of the matrix, and the status each persona gets for it.

    `kwargs` builds the URL's arguments and `data` the POST body (or the GET query) from the
    `objects` fixture. `note` tells apart two rows for one URL and method.
    """

    name: str
    method: str
    expected: dict[str, int]
    kwargs: Callable[[SimpleNamespace], dict] = lambda o: {}
    data: Callable[[SimpleNamespace], dict] | None = None
    note: str = ""

    def __str__(self):
        return f"{self.method} {self.name}" + (f" ({self.note})" if self.note else "")


MAY_REPORT = {"business_support", "board_member"}
PACK_CHOICE = {"plan": WSCB_SLUG, "quarter": "2015-Q3"}


def _action(o):
    return {"pk": o.action.pk}


def _body(o, **more):
    return {"pk": o.action.accountable_body_id, **more}


def _plan(o, **more):
    return {"slug": WSCB_SLUG, **more}


MAY_MANAGE_PEOPLE = {"business_support"}


def _person(o):
    return {"pk": o.person.pk}


def _invitee(o):
    return {"pk": o.invitee.pk}


MAY_RUN_ROUNDS = {"business_support"}
MAY_QUANTIFY = {"business_support"}


def _measure(o):
    return {"pk": o.action.measures.order_by("order").first().pk}


MAY_FOLLOW_ROUNDS = {"business_support", "chair", "other_chair"}
MAY_EDIT_PLAN = {"business_support"}


def _edit_post(o):
    """The edit form as shown, with one change and its reason."""
    form = ActionForm(plan=o.action.plan, action=o.action)
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value is not None}
    return data | {"timeframe": "End March 2016", "due_date": "", "reason": "Board, Jan 2016"}


def _new_action(o):
    return {
        "description": "A new action", "reference": "2.1.9", "objective": o.action.objective_id,
        "accountable_body": o.action.accountable_body_id, "timeframe": "March 2016",
        "reason": "Added by the Board",
    }  # fmt: skip


def _round(o):
    return {"pk": o.round.pk}


MATRIX = [
    Row("actionplan:round-list", "GET", _expect(MAY_FOLLOW_ROUNDS)),
    Row("actionplan:round-open", "GET", _expect(MAY_RUN_ROUNDS)),
    # Another quarter: the fixture's round holds 2015-Q3 open.
    Row("actionplan:round-open", "POST", _expect(MAY_RUN_ROUNDS, ok=302),
        data=lambda o: {"plan": WSCB_SLUG, "quarter": "2015-Q4"}),
    Row("actionplan:round-detail", "GET", _expect(MAY_FOLLOW_ROUNDS), kwargs=_round),
    Row("actionplan:round-export", "GET", _expect(MAY_FOLLOW_ROUNDS), kwargs=_round),
    Row("actionplan:round-scope", "POST", _expect(MAY_RUN_ROUNDS, ok=302), kwargs=_round,
        data=lambda o: {"reference": o.action.reference, "change": "remove", "reason": "Paused"}),
    # Approving: chairs (of any body: the page lists only their own bodies' returns).
    Row("actionplan:round-sign-off", "GET", _expect(MAY_FOLLOW_ROUNDS), kwargs=_round),
    Row("actionplan:round-sign-off", "POST", _expect({"chair", "other_chair"}, ok=302),
        kwargs=_round, data=lambda o: {"approve": f"{o.entry.pk}:{o.entry.return_update_id}"}),
    Row("actionplan:round-sign-off-return", "POST", _expect({"chair"}, ok=302),
        kwargs=lambda o: {"pk": o.round.pk, "entry_pk": o.entry.pk},
        data=lambda o: {"comment": "Add the date it was agreed.",
                        "update": o.entry.return_update_id}),
    Row("actionplan:round-close", "GET", _expect(MAY_RUN_ROUNDS), kwargs=_round),
    Row("actionplan:round-close", "POST", _expect(MAY_RUN_ROUNDS, ok=302), kwargs=_round,
        data=lambda o: {}),
    # Importing a plan: business support only; each upload is its uploader's alone
    # (tests/actionplan/test_import_pages.py checks another's gives 404).
    Row("actionplan:import-upload", "GET", _expect(MAY_RUN_ROUNDS)),
    Row("actionplan:import-upload", "POST", _expect(MAY_RUN_ROUNDS), data=lambda o: {},
        note="no file: the form again"),
    Row("actionplan:import-mapping", "GET", _expect(MAY_RUN_ROUNDS),
        kwargs=lambda o: {"pk": o.upload.pk}),
    Row("actionplan:import-mapping", "POST", _expect(MAY_RUN_ROUNDS, ok=302),
        kwargs=lambda o: {"pk": o.upload.pk}, data=_mapping_post),
    Row("actionplan:import-preview", "GET", _expect(MAY_RUN_ROUNDS),
        kwargs=lambda o: {"pk": o.upload.pk}),
    Row("actionplan:import-preview", "POST", _expect(MAY_RUN_ROUNDS, ok=302),
        kwargs=lambda o: {"pk": o.upload.pk}, data=lambda o: {**o.matches, "confirm": "1"}),
    Row("actionplan:import-done", "GET", _expect(MAY_RUN_ROUNDS),
        kwargs=lambda o: {"pk": o.imported.pk}),
    Row("reports:pack-list", "GET", _expect(MAY_REPORT)),
    Row("reports:pack-new", "GET", _expect(MAY_REPORT)),
    # The preview button: the matrix checks who may, not how long a PDF takes.
    Row("reports:pack-new", "POST", _expect(MAY_REPORT, ok=302),
        data=lambda o: {**PACK_CHOICE, "preview": "1"}, note="preview"),
    # Produce: queues the pack (its worker is enqueued only once the transaction commits).
    Row("reports:pack-new", "POST", _expect(MAY_REPORT, ok=302),
        data=lambda o: PACK_CHOICE, note="produce"),
    Row("reports:pack-preview", "GET", _expect(MAY_REPORT), data=lambda o: PACK_CHOICE),
    Row("reports:pack-download", "GET", _expect(MAY_REPORT), kwargs=lambda o: {"pk": o.pack.pk}),
    Row("reports:support-home", "GET", _expect({"business_support"})),
    Row("healthz", "GET", OPEN_TO_ALL),
    # Sign-out answers POST only, signed in or not; either way it ends on the sign-in page.
    Row("logout", "GET", dict.fromkeys(PERSONAS, 405)),
    Row("logout", "POST", dict.fromkeys(PERSONAS, 302), data=lambda o: {}),
    # The time-out warning's "Stay signed in": anyone signed in.
    Row("session-keep-alive", "GET", _expect(ALL, ok=405, denied=405)),
    Row("session-keep-alive", "POST", _expect(ALL), data=lambda o: {}),
    # Public, so that a person who cannot sign in can still read how to report it.
    Row("accessibility", "GET", OPEN_TO_ALL),
    # The code step: anyone signed in is sent on (to their page, or to set-up if they have no
    # second factor): it shows its form only to a person at that step (tests/accounts).
    Row("accounts:two-factor-verify", "GET", _expect(set(), denied=302)),
    # Set-up: for whoever has no second factor yet; one who has is sent on, never given
    # a second.
    Row("accounts:two-factor-setup", "GET",
        {**_expect(ALL - HAVE_SECOND_FACTOR, denied=302), "two_factor_pending": 200}),
    # Recovery codes: for whoever has a second factor; others are sent to set one up.
    Row("accounts:recovery-codes", "GET", _expect(HAVE_SECOND_FACTOR, denied=302)),
    Row("accounts:recovery-codes", "POST", _expect(ALL, ok=302, denied=302), data=lambda o: {}),
    Row("accounts:two-factor-reset", "GET", _expect({"business_support"}),
        kwargs=lambda o: {"pk": o.person.pk}),
    Row("accounts:two-factor-reset", "POST", _expect({"business_support"}, ok=302),
        kwargs=lambda o: {"pk": o.person.pk}, data=lambda o: {}),
    Row("password_change", "GET", _expect(ALL)),
    # The people pages: business support only; another person's page is out of anyone else's
    # reach (404); each person's own page is theirs.
    Row("actionplan:person-list", "GET", _expect(MAY_MANAGE_PEOPLE)),
    Row("actionplan:person-invite", "GET", _expect(MAY_MANAGE_PEOPLE)),
    Row("actionplan:person-invite", "POST", _expect(MAY_MANAGE_PEOPLE, ok=302),
        data=lambda o: {"first_name": "Nia", "last_name": "Jones",
                        "email": "nia@example.org", "access": ""}),
    Row("actionplan:my-page", "GET", _expect(ALL, ok=302)),
    Row("actionplan:person-detail", "GET", _expect(MAY_MANAGE_PEOPLE, denied=404),
        kwargs=_person),
    Row("actionplan:person-edit", "GET", _expect(MAY_MANAGE_PEOPLE, denied=404),
        kwargs=_person),
    Row("actionplan:person-edit", "POST", _expect(MAY_MANAGE_PEOPLE, ok=302, denied=404),
        kwargs=_person, data=lambda o: {"first_name": "C", "last_name": "D", "access": ""}),
    Row("actionplan:person-deactivate", "POST", _expect(MAY_MANAGE_PEOPLE, ok=302, denied=404),
        kwargs=_person, data=lambda o: {}),
    Row("actionplan:person-reactivate", "POST", _expect(MAY_MANAGE_PEOPLE, ok=302, denied=404),
        kwargs=_invitee, data=lambda o: {}),
    Row("actionplan:person-resend", "POST", _expect(MAY_MANAGE_PEOPLE, ok=302, denied=404),
        kwargs=_invitee, data=lambda o: {}),
    Row("actionplan:person-revoke", "POST", _expect(MAY_MANAGE_PEOPLE, ok=302, denied=404),
        kwargs=_invitee, data=lambda o: {}),
    # The invitation e-mail's link, for someone not signed in; one that is not valid says so.
    Row("accounts:invitation-accept", "GET",
        {**dict.fromkeys([*PERSONAS, "invited"], 200), "two_factor_pending": 302},
        kwargs=lambda o: {"token": "not-a-token"}),
    # For someone who cannot sign in: the form, and the link from the e-mail (one that is not
    # valid says so).
    Row("password_reset", "GET", dict.fromkeys(PERSONAS, 200)),
    Row("password_reset_confirm", "GET", dict.fromkeys(PERSONAS, 200),
        kwargs=lambda o: {"uidb64": "MQ", "token": "not-a-token"}),
    Row("home", "GET", _expect(ALL, ok=302)),
    Row("actionplan:my-actions", "GET", _expect(ALL)),
    Row("actionplan:my-dashboard", "GET", _expect(ALL, ok=302)),
    Row("actionplan:overview", "GET", _expect(ALL)),
    # Every signed-in person may read any body's dashboard and its export.
    Row("actionplan:body-dashboard", "GET", _expect(ALL), kwargs=_body),
    Row("actionplan:body-export", "GET", _expect(ALL), kwargs=lambda o: _body(o, fmt="csv")),
    Row("actionplan:plan-list", "GET", _expect(ALL)),
    Row("actionplan:plan-detail", "GET", _expect(ALL), kwargs=_plan),
    Row("actionplan:plan-export", "GET", _expect(ALL), kwargs=lambda o: _plan(o, fmt="csv")),
    Row("actionplan:plan-measures-export", "GET", _expect(ALL), kwargs=_plan),
    # Measures are quantified by business support.
    Row("actionplan:measure-quantify", "GET", _expect(MAY_QUANTIFY), kwargs=_measure),
    Row("actionplan:measure-quantify", "POST", _expect(MAY_QUANTIFY, ok=302), kwargs=_measure,
        data=lambda o: {"unit": "number", "target_value": "20", "direction": "higher",
                        "frequency": "quarterly", "tolerance_percent": "5"}),
    Row("actionplan:action-detail", "GET", _expect(ALL), kwargs=_action),
    Row("actionplan:action-update", "GET", _expect(MAY_UPDATE), kwargs=_action),
    Row("actionplan:action-update", "POST", _expect(MAY_UPDATE, ok=302),
        kwargs=_action, data=_valid_update),
    # Drafts of the update form: only for those who may update the action.
    Row("actionplan:action-draft", "GET", _expect(ALL, ok=405, denied=405), kwargs=_action),
    Row("actionplan:action-draft", "POST", _expect(MAY_UPDATE), kwargs=_action, data=_draft),
    Row("actionplan:action-draft-discard", "GET", _expect(ALL, ok=405, denied=405),
        kwargs=_action),
    Row("actionplan:action-draft-discard", "POST", _expect(MAY_UPDATE, ok=302),
        kwargs=_action, data=lambda o: {}),
    # Keeping the plan current: business support only.
    Row("actionplan:action-add", "GET", _expect(MAY_EDIT_PLAN), kwargs=_plan),
    Row("actionplan:action-add", "POST", _expect(MAY_EDIT_PLAN, ok=302), kwargs=_plan,
        data=_new_action),
    Row("actionplan:priority-add", "GET", _expect(MAY_EDIT_PLAN), kwargs=_plan),
    Row("actionplan:priority-add", "POST", _expect(MAY_EDIT_PLAN, ok=302), kwargs=_plan,
        data=lambda o: {"number": "9", "title": "Online harm"}),
    Row("actionplan:objective-add", "GET", _expect(MAY_EDIT_PLAN), kwargs=_plan),
    Row("actionplan:objective-add", "POST", _expect(MAY_EDIT_PLAN, ok=302), kwargs=_plan,
        data=lambda o: {"priority": o.action.objective.priority_id, "number": "2.9",
                        "title": "Awareness"}),
    Row("actionplan:action-edit", "GET", _expect(MAY_EDIT_PLAN), kwargs=_action),
    Row("actionplan:action-edit", "POST", _expect(MAY_EDIT_PLAN, ok=302), kwargs=_action,
        data=_edit_post),
    Row("actionplan:action-retire", "GET", _expect(MAY_EDIT_PLAN), kwargs=_action),
    # The first step shows the confirmation; the second retires.
    Row("actionplan:action-retire", "POST", _expect(MAY_EDIT_PLAN), kwargs=_action,
        data=lambda o: {"retired_on": "2016-01-01", "reason": "Merged"}, note="to confirm"),
    Row("actionplan:action-retire", "POST", _expect(MAY_EDIT_PLAN, ok=302), kwargs=_action,
        data=lambda o: {"retired_on": "2016-01-01", "reason": "Merged", "confirm": "yes"},
        note="confirmed"),
    Row("actionplan:action-reinstate", "GET", _expect(MAY_EDIT_PLAN),
        kwargs=lambda o: {"pk": o.retired.pk}),
    Row("actionplan:action-reinstate", "POST", _expect(MAY_EDIT_PLAN, ok=302),
        kwargs=lambda o: {"pk": o.retired.pk}, data=lambda o: {"reason": "Kept"}),
    Row("actionplan:action-due-date", "GET", _expect(MAY_REVISE_DUE_DATE), kwargs=_action),
    Row("actionplan:action-due-date", "POST", _expect(MAY_REVISE_DUE_DATE, ok=302),
        kwargs=_action, data=_valid_revision),
]  # fmt: skip

CASES = [
    pytest.param(row, who, status, id=f"{row}-{who}-{status}")
    for row in MATRIX
    for who, status in row.expected.items()
]


def _request(client, row: Row, o):
    url = reverse(row.name, kwargs=row.kwargs(o))
    return getattr(client, row.method.lower())(url, row.data(o) if row.data else None)


def test_every_url_has_rows_in_the_matrix():
    names = {name for name, _ in app_url_names()}
    in_matrix = {row.name for row in MATRIX}
    assert names - in_matrix == set(), "add rows for these URLs"
    assert in_matrix - names == set(), "these URLs no longer exist"
    assert len({str(row) for row in MATRIX}) == len(MATRIX), "two rows for one request"


@pytest.mark.parametrize(("row", "who", "status"), CASES)
def test_permission_matrix(client, persona, objects, row, who, status):
    user = persona(who)
    if user:
        client.force_login(user)
    response = _request(client, row, objects)
    assert response.status_code == status
    if status == 302 and who in {"anonymous", "invited"}:
        assert response["Location"].startswith(reverse("login"))
    if status == 302 and who == "two_factor_pending":
        assert response["Location"].startswith(reverse("accounts:two-factor-setup"))


# Rows that reading a page may legitimately touch: the session (activity time) and axes' own
# access records. Everything else must be unchanged by any GET.
_VOLATILE = {"django_session", "axes_accesslog", "axes_accessattempt"}


def _row_counts_and_checksums():
    snapshot = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table in _VOLATILE:
            continue
        rows = list(model._default_manager.order_by("pk").values_list())
        snapshot[model._meta.db_table] = (len(rows), hash(repr(rows)))
    return snapshot


def test_a_crawl_of_every_get_as_each_persona_changes_nothing(persona, objects):
    gets = [(row, who) for row in MATRIX if row.method == "GET" for who in row.expected]
    assert len(gets) > 100
    clients = {}
    for who in {who for _, who in gets}:  # sign in first: a login itself records last_login
        clients[who] = Client()
        if user := persona(who):
            clients[who].force_login(user)
    before = _row_counts_and_checksums()
    for row, who in gets:
        _request(clients[who], row, objects)
    after = _row_counts_and_checksums()
    assert {t for t in before if before[t] != after[t]} == set()


@pytest.mark.parametrize("who", sorted(ALL - MAY_UPDATE))
def test_forged_post_changes_nothing(client, persona, target_action, who):
    client.force_login(persona(who))
    url = reverse("actionplan:action-update", kwargs={"pk": target_action.pk})
    response = client.post(url, _valid_update(SimpleNamespace(action=target_action)))
    assert response.status_code == 403
    target_action.refresh_from_db()
    assert target_action.updates.count() == 0
    assert target_action.current_rag == ""


def test_403_page_explains_and_does_not_show_the_form(client, outsider, target_action):
    client.force_login(outsider)
    response = client.get(reverse("actionplan:action-update", kwargs={"pk": target_action.pk}))
    assert response.status_code == 403
    html = response.content.decode()
    assert "You do not have access to this page" in html
    assert 'name="commentary"' not in html


@pytest.mark.parametrize("who", sorted(ALL - MAY_REVISE_DUE_DATE))
def test_forged_due_date_revision_changes_nothing(client, persona, target_action, who):
    client.force_login(persona(who))
    url = reverse("actionplan:action-due-date", kwargs={"pk": target_action.pk})
    response = client.post(url, _valid_revision(None))
    assert response.status_code == 403
    assert target_action.due_date_revisions.count() == 0


@pytest.mark.parametrize(
    "name",
    [
        "actionplan:action-detail", "actionplan:action-update", "actionplan:action-due-date",
        "actionplan:action-edit", "actionplan:action-retire", "actionplan:action-reinstate",
    ],
)  # fmt: skip
def test_unknown_action_is_404_for_everyone(client, business_support, name):
    client.force_login(business_support)
    assert client.get(reverse(name, kwargs={"pk": 10**9})).status_code == 404


def test_inactive_user_cannot_update(client, owner, target_action):
    owner.is_active = False
    owner.save()
    client.force_login(owner)
    url = reverse("actionplan:action-update", kwargs={"pk": target_action.pk})
    data = _valid_update(SimpleNamespace(action=target_action))
    assert client.post(url, data).status_code == 302  # signed out
    assert target_action.updates.count() == 0


@pytest.mark.parametrize("name", ["actionplan:round-detail", "actionplan:round-close"])
def test_unknown_round_is_404_for_support(client, business_support, name):
    client.force_login(business_support)
    assert client.get(reverse(name, kwargs={"pk": 10**9})).status_code == 404


@pytest.mark.parametrize("who", sorted(ALL - {"business_support"}))
def test_forged_round_posts_change_nothing(client, persona, objects, who):
    client.force_login(persona(who))
    for name, data in [
        ("actionplan:round-close", {}),
        (
            "actionplan:round-scope",
            {"reference": objects.action.reference, "change": "remove", "reason": "x"},
        ),
    ]:
        assert client.post(reverse(name, kwargs={"pk": objects.round.pk}), data).status_code == 403
    objects.round.refresh_from_db()
    assert objects.round.is_open
    assert objects.round.round_actions.in_scope().filter(action=objects.action).exists()


@pytest.mark.parametrize("who", sorted(ALL - MAY_EDIT_PLAN))
def test_forged_plan_edits_change_nothing(client, persona, objects, who):
    client.force_login(persona(who))
    action = objects.action
    before = (action.history.count(), action.timeframe, action.retired_on)
    posts = [
        ("actionplan:action-edit", {"pk": action.pk}, _edit_post(objects)),
        ("actionplan:action-retire", {"pk": action.pk},
         {"retired_on": "2016-01-01", "reason": "x", "confirm": "yes"}),
        ("actionplan:action-reinstate", {"pk": objects.retired.pk}, {"reason": "x"}),
        ("actionplan:action-add", {"slug": WSCB_SLUG}, _new_action(objects)),
    ]  # fmt: skip
    for name, kwargs, data in posts:
        assert client.post(reverse(name, kwargs=kwargs), data).status_code == 403
    action.refresh_from_db()
    objects.retired.refresh_from_db()
    assert (action.history.count(), action.timeframe, action.retired_on) == before
    assert objects.retired.is_retired
    assert not action.plan.actions.filter(reference="2.1.9").exists()
