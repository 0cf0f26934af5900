from dataclasses import dataclass
from datetime import date
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from accounts.middleware import idle_sign_out_keeps, session_time_left
from accounts.permissions import (
    can_revise_due_date,
    can_update_action,
    chaired_body_ids,
    held_role_ids,
    is_business_support,
)
from accounts.security_log import log_user_event
from actionplan import dashboards, exports
from actionplan.access import (
    get_action_for_due_date_revision,
    get_action_for_update,
    get_measure_to_quantify,
)
from actionplan.filters import ActionFilter
from actionplan.forms import (
    AsOfForm,
    DueDateRevisionForm,
    MeasureQuantifyForm,
    StatusUpdateDraftForm,
    StatusUpdateForm,
    draft_initial,
)
from actionplan.measure_charts import series_for
from actionplan.models import AccountableBody, Action, Plan, Priority, Rag, StatusUpdateDraft
from actionplan.plan_edits import action_changes
from actionplan.quarters import Quarter
from actionplan.rag import LEVELS
from actionplan.rounds import quarter_returns, reported_quarter, round_dues_for
from actionplan.services import (
    StatusConflictError,
    due_date_revision_create,
    latest_values,
    measure_quantify,
    status_update_create,
    status_update_draft_discard,
    status_update_draft_save,
)
from actionplan.tables import ActionTable, CountedPaginator

# Query-string keys that are not filters: the date, and the table's sort order and page.
NOT_FILTERS = {"as_of", "quarter", "sort", "page"}
DASHBOARD_EXPORTS = {"csv", "xlsx"}
# What restoring a draft puts back into the update form: the version too, so that saving it
# finds any update made since the draft was written.
# The overview pages its overdue actions: a large partnership can have thousands.
OVERDUE_PAGE_SIZE = 50


def accessibility_statement(request):
    # Public: the footer links here from the sign-in page, and someone who cannot sign in must
    # still be able to find out how to report that.
    context = {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL}
    return render(request, "actionplan/accessibility.html", context)


@login_required
def home(request):
    """Business support land on their own work, chairs on their body's dashboard, owners on
    their actions, others on the Board overview."""
    if is_business_support(request.user):
        return redirect("reports:support-home")
    if body := _first_chaired_body(request.user):
        return redirect("actionplan:body-dashboard", pk=body.pk)
    if held_role_ids(request.user):
        return redirect("actionplan:my-actions")
    return redirect("actionplan:overview")


def _first_chaired_body(user):
    if not chaired_body_ids(user):
        return None
    return AccountableBody.objects.filter(pk__in=chaired_body_ids(user)).order_by("name").first()


@login_required
def plan_list(request):
    plans = Plan.objects.all()
    return render(request, "actionplan/plan_list.html", {"plans": plans})


@login_required
def plan_detail(request, slug):
    plan = get_object_or_404(Plan, slug=slug)
    priorities = plan.priorities.prefetch_related("objectives")
    actions = Action.objects.filter(plan=plan).for_list()
    by_objective, retired = {}, []
    for action in actions:
        if action.is_retired:
            retired.append(action)
        else:
            by_objective.setdefault(action.objective_id, []).append(action)
    context = {
        "plan": plan,
        "priorities": priorities,
        "by_objective": by_objective,
        "retired": retired,
        "today": timezone.localdate(),
    }
    return render(request, "actionplan/plan_detail.html", context)


@login_required
def my_actions(request):
    """The actions of the roles the person holds, still in the plan: first those that need
    their update this quarter, then the rest, then the completed ones (folded away); each
    with its co-owners.
    Soonest due first, by the due date in force today."""
    today = timezone.localdate()
    quarter = dashboards.current_reporting_quarter(today=today)
    actions = Action.objects.current().owned_by(request.user).for_status_list().with_owners()
    actions = actions.with_needs_update(quarter=quarter).with_due_date_as_of(today)
    actions = actions.order_by("due_as_of", "sort_key")
    held = held_role_ids(request.user)
    lists = {"now": [], "rest": [], "complete": []}
    for action in actions:
        action.co_owners = [role for role in action.owner_roles() if role.pk not in held]
        if action.needs_update:
            lists["now"].append(action)
        else:
            lists["complete" if action.current_rag == Rag.BLUE else "rest"].append(action)
    context = {
        **lists,
        "any": any(lists.values()),
        "quarter": quarter,
        "today": today,
        "round_dues": round_dues_for(request.user, today=today),
    }
    return render(request, "actionplan/my_actions.html", context)


@login_required
def action_detail(request, pk):
    today = timezone.localdate()
    quarter = dashboards.current_reporting_quarter(today=today)
    action = get_object_or_404(
        Action.objects.for_list()
        .with_owner_holders()
        .with_needs_update(quarter=quarter)
        .select_related("plan")
        .prefetch_related("measures", "milestones", "related"),
        pk=pk,
    )
    can_update = can_update_action(request.user, action)
    context = {
        "action": action,
        "measure_series": series_for(list(action.measures.all())),
        "history": action.updates.for_history(),
        "changes": action_changes(action),
        "can_update": can_update,
        "can_revise_due_date": can_revise_due_date(request.user, action),
        "today": today,
        "quarter": quarter,
        # Green and Overdue at once: both are true (the owner's judgement, and the date in
        # force has passed), so both show, with what would settle it.
        "on_track_but_overdue": action.current_rag == Rag.GREEN
        and action.is_overdue(today=today)
        and not action.is_retired,
    }
    if can_update and not action.needs_update:
        # Up to date (as it is right after saving): offer the next action needing an update.
        context["offer_next"] = True
        context["next_action"] = _next_needing_update(
            request.user, after=action, quarter=quarter, today=today
        )
    return render(request, "actionplan/action_detail.html", context)


def _next_needing_update(user, *, after: Action, quarter: Quarter, today: date) -> Action | None:
    """The soonest due (by the date in force today) of the other actions the person may
    update that need an update for the reporting quarter."""
    actions = Action.objects.updatable_by(user).exclude(pk=after.pk).with_due_date_as_of(today)
    actions = actions.needing_update(quarter=quarter)
    return actions.order_by("due_as_of", "plan", "sort_key").first()


def _keep_posted_text_as_draft(request, pk) -> str:
    """The idle time-out's hook for the update form (accounts.middleware): a Save pressed
    after the session ran out keeps its text as the person's draft, offered back to them on
    the form once they have signed in again."""
    action = Action.objects.for_list().filter(pk=pk).first()
    if action is None or not can_update_action(request.user, action):
        return ""
    form = StatusUpdateDraftForm(request.POST, measure_ids=_quantified_ids(action))
    if not form.is_valid() or not (form.cleaned_data["commentary"].strip()):
        return ""
    status_update_draft_save(action=action, author=request.user, **form.draft_data())
    return f"What you wrote on action {action.reference} is kept as a draft for you."


@login_required
@require_http_methods(["GET", "POST"])
def action_revise_due_date(request, pk):
    action = get_action_for_due_date_revision(request, pk)
    form = DueDateRevisionForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            revision = due_date_revision_create(
                action=action, author=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field, message)
        else:
            log_user_event(
                request, "due_date_revised", action=action.pk, reference=action.reference,
                due_date=revision.due_date, previous=revision.previous_due_date,
            )  # fmt: skip
            messages.success(
                request,
                f"Action {action.reference} is now due {revision.due_date:%-d %B %Y}.",
            )
            return redirect(action)
    context = {"action": action, "form": form, "today": timezone.localdate()}
    return render(request, "actionplan/action_due_date.html", context)


@idle_sign_out_keeps(_keep_posted_text_as_draft)
@login_required
def action_update(request, pk):
    action = get_action_for_update(request, pk)
    draft, restored, conflict = None, False, None
    measures = _measure_form_kwargs(action)
    if request.method == "POST":
        form = StatusUpdateForm(request.POST, **measures)
        if form.is_valid():
            try:
                status_update_create(
                    action=action,
                    author=request.user,
                    rag=form.cleaned_data["rag"],
                    commentary=form.cleaned_data["commentary"],
                    evidence_url=form.cleaned_data["evidence_url"],
                    expected_version=form.cleaned_data["version"],
                    measure_values=form.reported_values,
                )
            except StatusConflictError as error:
                # The action as it is now: the form shows its last update, the one that won.
                action, conflict = error.action, error.latest
                form = _form_after_conflict(request.POST, action.version, measures)
            except ValidationError as error:
                form.add_error(None, error)  # a rule broken between reading and saving
            else:
                messages.success(request, f"Status of action {action.reference} saved.")
                return redirect(action)
    else:
        draft = StatusUpdateDraft.objects.filter(action=action, author=request.user).first()
        restored = draft is not None and request.GET.get("draft") == "restore"
        initial = {"version": action.version, "rag": action.current_rag}
        if restored:
            initial = draft_initial(draft)
        form = StatusUpdateForm(initial=initial, **measures)
    context = {
        "action": action,
        "form": form,
        "conflict": conflict,
        "draft": draft,
        "restored": restored,
        "today": timezone.localdate(),
    }
    return render(
        request, "actionplan/action_update.html", context, status=409 if conflict else 200
    )


def _measure_form_kwargs(action: Action) -> dict:
    """The quantified measures the update form asks values of: those due in the quarter an
    update saved now reports on, with the values already given for that quarter."""
    quarter = reported_quarter(action_id=action.pk, when=timezone.now())
    measures = [measure for measure in action.measures.all() if measure.is_due(quarter)]
    previous = latest_values([measure.pk for measure in measures], quarter)
    return {"measures": measures, "previous": previous, "quarter": quarter}


def _quantified_ids(action: Action) -> list[int]:
    """The action's quantified measures, whose values a draft keeps as typed (one query)."""
    return [measure.pk for measure in action.measures.all() if measure.is_quantified]


def _form_after_conflict(data, version, measures):
    """Keep what the person typed, but against the new version, so saving again is a choice."""
    data = data.copy()
    data["version"] = version
    return StatusUpdateForm(data, **measures)


@login_required
@require_POST
def action_draft_save(request, pk):
    """The update form's draft, saved as the person types (static/js/drafts.js). JSON: a
    sentence for the form's draft status line, and the session's time left."""
    action = get_action_for_update(request, pk)
    form = StatusUpdateDraftForm(request.POST, measure_ids=_quantified_ids(action))
    if not form.is_valid():
        return JsonResponse({"message": f"Draft not saved: {form.error_text()}"}, status=400)
    draft = status_update_draft_save(action=action, author=request.user, **form.draft_data())
    clock = date_format(timezone.localtime(draft.saved_at), "H:i")
    return JsonResponse(
        {
            "message": f"Draft saved at {clock}.",
            "saved_at": draft.saved_at.isoformat(),
            "session": session_time_left(request),
        }
    )


@login_required
@require_POST
def action_draft_discard(request, pk):
    action = get_action_for_update(request, pk)
    if status_update_draft_discard(action=action, author=request.user):
        messages.success(request, "Your draft was discarded.")
    return redirect("actionplan:action-update", pk=action.pk)


@login_required
def plan_export(request, slug, fmt):
    if fmt not in exports.FORMATS:
        raise Http404("Exports are CSV, XLSX or JSON.")
    plan = get_object_or_404(Plan, slug=slug)
    body = exports.render_plan(plan, fmt, today=timezone.localdate())
    response = HttpResponse(body, content_type=exports.CONTENT_TYPES[fmt])
    filename = f"{plan.slug}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    log_user_event(request, "plan_export", plan=plan.slug, format=fmt)
    return response


@login_required
def measure_quantify_view(request, pk):
    """Business support give a measure its numbers (docs/measures.md)."""
    measure = get_measure_to_quantify(request, pk)
    form = MeasureQuantifyForm(request.POST or None, instance=measure)
    if request.method == "POST" and form.is_valid():
        measure_quantify(measure=measure, fields=form.cleaned_data)
        messages.success(request, f"Measure of action {measure.action.reference} saved.")
        return redirect(measure.action)
    context = {"measure": measure, "action": measure.action, "form": form}
    return render(
        request, "actionplan/measure_quantify.html", context, status=400 if form.errors else 200
    )


@login_required
def plan_measures_export(request, slug):
    """The plan's measures' values as CSV: one row per measure per quarter (the XLSX export
    has them on its second sheet)."""
    plan = get_object_or_404(Plan, slug=slug)
    body = exports.measures_to_csv(Action.objects.filter(plan=plan).for_export())
    response = HttpResponse(body, content_type=exports.CONTENT_TYPES["csv"])
    filename = f"{plan.slug}-measures-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    log_user_event(request, "plan_export", plan=plan.slug, format="measures.csv")
    return response


@dataclass(frozen=True)
class AsOf:
    """The date a dashboard shows the plan as of, and how it was asked for."""

    day: date
    given: bool  # False: no (valid) date in the query string, so today
    form: AsOfForm
    chosen_quarter: Quarter | None = None  # the quarter asked for (or opened on), if any
    opened_on_reporting_quarter: bool = False  # nothing asked for: the plan's period is over
    # The ?as_of= value of "Show today's status instead": None where the page opens on today.
    today_param: str | None = None

    @property
    def param(self) -> str | None:
        """The ?as_of= value that keeps this date in a link or form; None for today, or when
        a quarter was chosen (quarter_param keeps it). Templates pass both to
        {% querystring as_of=... quarter=... %}, which drops those that are None."""
        return self.day.isoformat() if self.given and not self.chosen_quarter else None

    @property
    def quarter_param(self) -> str | None:
        """The ?quarter= value that keeps the chosen quarter (and the quarter box) in a link."""
        return self.chosen_quarter.slug if self.chosen_quarter else None

    @property
    def params(self) -> dict[str, str]:
        """The query parameters that keep this date: quarter or as_of, or none for today."""
        if self.chosen_quarter:
            return {"quarter": self.chosen_quarter.slug}
        return {"as_of": self.param} if self.given else {}

    @property
    def query(self) -> str:
        """A query string that keeps the date alone: "?quarter=...", "?as_of=..." or nothing."""
        return "?" + urlencode(self.params) if self.params else ""

    @property
    def quarter(self) -> Quarter:
        return Quarter.containing(self.day)

    @property
    def is_quarter_end(self) -> bool:
        return self.day == self.quarter.end

    @property
    def round_quarter(self) -> Quarter | None:
        """The quarter the page shows as a quarter (read from its reporting round where it has
        one: ActionQuerySet.for_dashboard): one chosen or opened on, or a date given that is
        a quarter's last day. None for today, or a date within a quarter: the latest update
        on or before it."""
        if self.chosen_quarter:
            return self.chosen_quarter
        return self.quarter if self.given and self.is_quarter_end else None

    def actions(self, actions=None):
        """`actions` (default: every action) as the page shows them on this date."""
        actions = Action.objects.all() if actions is None else actions
        return actions.for_dashboard(as_of=self.day, quarter=self.round_quarter)


def _as_of(request) -> AsOf:
    """Read ?as_of= or ?quarter=. With neither, open on the reporting quarter
    (dashboards.reporting_quarter): today while the plan is current, else the quarter as if
    chosen in the quarter box. Invalid input falls back to today; the page shows the form's
    errors."""
    today = timezone.localdate()
    quarters = dashboards.plan_quarters(today=today)
    data, opened = request.GET, False
    reporting = dashboards.reporting_quarter(quarters, today=today)
    opens_on_today = reporting == Quarter.containing(today)
    if not opens_on_today and not (data.get("as_of") or data.get("quarter")):
        data, opened = data.copy(), True
        data["quarter"] = reporting.slug
    form = AsOfForm(data, today=today, quarters=quarters)
    day = form.day()
    chosen = form.cleaned_data.get("quarter") if day else None
    return AsOf(
        day=day or today,
        given=day is not None,
        form=form,
        chosen_quarter=chosen,
        opened_on_reporting_quarter=opened,
        today_param=None if opens_on_today else today.isoformat(),
    )


def _current_filters(request) -> dict[str, list[str]]:
    """The filters the page shows, each with its values in order, to compare with a figure's."""
    return {k: sorted(v) for k, v in request.GET.lists() if k not in NOT_FILTERS and any(v)}


def _figure_links(figures, as_of: AsOf, current: dict) -> list[dict]:
    """Each figure with the query that lists its actions on the same date, and whether the
    page shows them now."""
    links = []
    for figure in figures:
        params = {k: v if isinstance(v, list) else [v] for k, v in figure.params.items()}
        day = {key: [value] for key, value in as_of.params.items()}
        links.append(
            {
                "figure": figure,
                "query": "?" + urlencode(params | day, doseq=True),
                "current": {k: sorted(v) for k, v in params.items()} == current,
            }
        )
    return links


class BodyDashboardView(LoginRequiredMixin, SingleTableMixin, FilterView):
    """One accountable body's actions as of a date: headline figures, filters and a sortable,
    paginated table. Read-only: anyone signed in may open any body's dashboard."""

    filterset_class = ActionFilter
    table_class = ActionTable
    table_pagination = {"per_page": 25}
    template_name = "actionplan/body_dashboard.html"

    @cached_property
    def body(self):
        bodies = AccountableBody.objects.prefetch_related("chairs")
        return get_object_or_404(bodies, pk=self.kwargs["pk"])

    @cached_property
    def as_of(self) -> AsOf:
        return _as_of(self.request)

    @cached_property
    def actions(self):
        """The body's actions as of the date, built once: the filters, the table and the
        figures each take their own clone."""
        return self.as_of.actions(Action.objects.filter(accountable_body=self.body))

    def get_queryset(self):
        return self.actions

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        return kwargs | {"body": self.body, "as_of": self.as_of.day}

    @cached_property
    def figures(self):
        """headline_figures() of the body's actions: (total, by RAG, attention, returns)."""
        return dashboards.headline_figures(self.actions, as_of=self.as_of.day)

    def get_table_pagination(self, table):
        paginate = super().get_table_pagination(table)
        if self._unfiltered():
            # The table lists every action the figures counted: no COUNT query for the pages.
            paginate |= {"paginator_class": CountedPaginator, "count": self.figures[0]}
        return paginate

    def _unfiltered(self) -> bool:
        """Whether the table shows all of self.actions: valid filters, none given a value."""
        if not self.filterset.is_valid():
            return False
        return all(value in (None, "", []) for value in self.filterset.form.cleaned_data.values())

    def get_table_kwargs(self):
        caption = f"Actions of {self.body.name}, as of {_long_date(self.as_of.day)}"
        return {
            "exclude": ("accountable_body",),
            "caption": caption,
            "as_of": self.as_of.day,
            "page_size": self.table_pagination["per_page"],
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        total, by_rag, attention, returns = self.figures
        current = _current_filters(self.request)
        context.update(
            body=self.body,
            as_of=self.as_of,
            total=total,
            rag_figures=_figure_links(by_rag, self.as_of, current),
            attention_figures=_figure_links(attention, self.as_of, current),
            return_figures=_figure_links(returns, self.as_of, current),
            reads_round=bool(returns),
            is_filtered=bool(current),
            error_forms=[f for f in (self.as_of.form, self.filterset.form) if f.errors],
        )
        return context


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _as_at_note(as_of: AsOf) -> str:
    """What the export's date is, in words: "today", "the end of Q3 2015/16" or nothing."""
    if not as_of.given:
        return "today"
    return f"the end of {as_of.quarter.short_label}" if as_of.is_quarter_end else ""


@login_required
def body_export(request, pk, fmt):
    """The dashboard's filtered rows as CSV or XLSX, with the plan export's columns; the
    status columns are those as of the dashboard's date."""
    if fmt not in DASHBOARD_EXPORTS:
        raise Http404("Dashboard exports are CSV or XLSX.")
    body = get_object_or_404(AccountableBody, pk=pk)
    as_of = _as_of(request)
    actions = as_of.actions(Action.objects.filter(accountable_body=body))
    filterset = ActionFilter(request.GET, queryset=actions, body=body, as_of=as_of.day)
    if as_of.form.errors or not filterset.is_valid():
        # Never export something other than what was asked for: show the errors instead.
        url = reverse("actionplan:body-dashboard", kwargs={"pk": body.pk})
        return redirect(f"{url}?{request.GET.urlencode()}")
    rows = filterset.qs.select_related("objective__priority", "accountable_body")
    rows = rows.with_owners().prefetch_related("measures")
    rows = rows.order_by("plan", "sort_key")
    heading = exports.SheetHeading(
        title=f"{body.name}: actions",
        as_at=as_of.day,
        as_at_note=_as_at_note(as_of),
        filters=filterset.described(),
        unfiltered=f"none, every action {body.name} is accountable for",
        reads_round=as_of.round_quarter is not None,
    )
    body_bytes = exports.render(rows, fmt, heading=heading)
    response = HttpResponse(body_bytes, content_type=exports.CONTENT_TYPES[fmt])
    filename = f"{slugify(body.name)}-as-of-{as_of.day.isoformat()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    log_user_event(
        request, "body_export", body=body.pk, format=fmt, as_of=as_of.day,
        query=request.GET.urlencode(),
    )  # fmt: skip
    return response


@login_required
def my_dashboard(request):
    """The nav's "My dashboard": the first body the person chairs."""
    if body := _first_chaired_body(request.user):
        return redirect("actionplan:body-dashboard", pk=body.pk)
    return redirect("actionplan:overview")


def _end_of(quarter: Quarter) -> date | None:
    """The quarter's last day; None before the calendar (a page asked for 0001-Q1)."""
    try:
        return quarter.end
    except (ValueError, OverflowError):
        return None


def _counts_at(quarter: Quarter, day: date | None) -> dashboards.Breakdown:
    """The headline's counts at the end of `quarter` (`day`, its last day), as that quarter's
    own view shows them (its reporting round's returns, if it had one): none before the
    calendar."""
    if day is None:
        return dashboards.Breakdown("All actions")
    return dashboards.status_counts(Action.objects.for_dashboard(as_of=day, quarter=quarter))


@login_required
def overview(request):
    """The Board's view of the whole plan as of a date: RAG by priority and by body, and
    every overdue action (a page at a time)."""
    as_of = _as_of(request)
    actions = as_of.actions()
    priorities = Priority.objects.select_related("plan").order_by("plan__title", "number")
    bodies = AccountableBody.objects.order_by("name")
    by_priority, by_body = dashboards.rag_breakdown(actions, priorities, bodies)
    overdue = actions.filter(dashboards.overdue_q()).select_related("accountable_body")
    overdue = overdue.order_by("plan", "sort_key")
    overdue_table = ActionTable(
        overdue,
        orderable=False,
        exclude=("overdue", "commentary"),
        caption=f"Overdue actions as of {_long_date(as_of.day)}",
        caption_id="overdue-caption",
        as_of_query=as_of.query,
        as_of=as_of.day,
        page_size=OVERDUE_PAGE_SIZE,
    )
    total = dashboards.totals(by_priority)
    since = as_of.quarter.previous()
    since_end = _end_of(since)
    before = _counts_at(since, since_end)
    # The breakdown has counted the overdue actions already: no COUNT query for the pages.
    paginate = {"per_page": OVERDUE_PAGE_SIZE, "paginator_class": CountedPaginator}
    RequestConfig(request, paginate=paginate | {"count": total.overdue}).configure(overdue_table)
    context = {
        "as_of": as_of,
        "by_priority": by_priority,
        "by_body": by_body,
        "total": total,
        "headline": dashboards.changes(total, before),
        "returns": quarter_returns(as_of.quarter),
        "reads_round": bool(total.in_round),
        "since": since,
        "since_end": since_end,
        "rag_levels": LEVELS,
        "overdue_table": overdue_table,
        "error_forms": [as_of.form] if as_of.form.errors else [],
    }
    return render(request, "actionplan/overview.html", context)
