"""The admin is where Board business support maintains the plan itself."""

from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from accounts import admin as accounts_admin
from accounts.models import Agency, User
from accounts.validators import RefuseControlCharactersAdminMixin
from actionplan.admin_readonly import ReadOnlyAdminMixin
from actionplan.models import (
    AccountableBody,
    Action,
    ActionOwner,
    DueDateRevision,
    ImportLayout,
    Measure,
    MeasureValue,
    Milestone,
    Objective,
    OwnerChangeEmail,
    OwnerRole,
    Plan,
    PlanImport,
    Priority,
    ReportingRound,
    RoundEmail,
    SignOff,
    StatusUpdate,
)
from actionplan.services import (
    holder_changes_tell,
    measure_band_refresh,
    owned_action_ids,
    owner_change_notices_create,
)

# The outbox bookkeeping (models.OutboxEmail), after what each e-mail is, on its admin page.
OUTBOX_FIELDS = ["created_at", "claimed_at", "sent_at", "attempts", "next_attempt_at", "last_error"]


class _HeadingInline(RefuseControlCharactersAdminMixin, admin.TabularInline):
    """The headings under a plan or a priority: number and title here, the rest on their page."""

    extra = 0
    fields = ["number", "title"]
    show_change_link = True


class PriorityInline(_HeadingInline):
    model = Priority


@admin.register(Plan)
class PlanAdmin(RefuseControlCharactersAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "partnership", "period", "slug"]
    search_fields = ["title", "partnership", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PriorityInline]


class ObjectiveInline(_HeadingInline):
    model = Objective


@admin.register(Priority)
class PriorityAdmin(RefuseControlCharactersAdminMixin, SimpleHistoryAdmin):
    list_display = ["number", "title", "plan"]
    list_filter = ["plan"]
    search_fields = ["title", "statement"]
    inlines = [ObjectiveInline]


@admin.register(Objective)
class ObjectiveAdmin(RefuseControlCharactersAdminMixin, SimpleHistoryAdmin):
    list_display = ["number", "display_title", "priority"]
    list_filter = ["priority__plan", "priority"]
    list_select_related = ["priority__plan"]
    search_fields = ["number", "title"]
    ordering = ["priority__plan", "sort_key"]


class ActionOwnerInline(RefuseControlCharactersAdminMixin, admin.TabularInline):
    model = ActionOwner
    extra = 0
    autocomplete_fields = ["role"]


class MeasureInline(RefuseControlCharactersAdminMixin, admin.StackedInline):
    """A measure's sentence, and the numbers that quantify it (docs/measures.md)."""

    model = Measure
    extra = 0
    readonly_fields = ["current_rag", "current_quarter"]
    fieldsets = [
        (None, {"fields": ["text", "order"]}),
        (
            "Quantify it (leave the unit empty for a sentence only)",
            {
                "fields": [
                    "unit",
                    ("baseline_value", "baseline_date"),
                    ("target_value", "target_upper", "target_date"),
                    "quarter_targets",
                    ("direction", "tolerance_percent"),
                    ("frequency", "data_source"),
                    ("current_rag", "current_quarter"),
                ]
            },
        ),
    ]


class MilestoneInline(RefuseControlCharactersAdminMixin, admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Action)
class ActionAdmin(RefuseControlCharactersAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "reference",
        "short_description",
        "accountable_body",
        "timeframe",
        "due_date",
        "current_rag",
    ]
    list_filter = ["plan", "objective__priority", "accountable_body", "current_rag", "due_date"]
    list_select_related = ["accountable_body"]
    search_fields = ["reference", "description", "timeframe", "measures__text"]
    ordering = ["plan", "sort_key"]
    autocomplete_fields = ["objective", "accountable_body", "related"]
    readonly_fields = ["current_rag"]
    inlines = [ActionOwnerInline, MeasureInline, MilestoneInline]
    fieldsets = [
        (None, {"fields": ["plan", "objective", "reference", "description"]}),
        (
            "Owners and accountability",
            {"fields": ["owners_as_written", "accountable_body", "accountable_body_as_written"]},
        ),
        ("When", {"fields": ["timeframe", "start_date", "due_date", "added_on"]}),
        ("Links and status", {"fields": ["related", "current_rag"]}),
    ]

    @admin.display(description="action", ordering="description")
    def short_description(self, action):
        return action.short_description

    def get_changeform_initial_data(self, request):
        """A new action joins the plan today, unless it was part of it from the start."""
        return {"added_on": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def save_related(self, request, form, formsets, change):
        """Save the inlines, then tell the people who gained or lost the action through a
        change of its owner roles (inside the admin's transaction)."""
        action = form.instance
        before = action.owner_holder_ids() if change else set()
        super().save_related(request, form, formsets, change)
        owner_change_notices_create(action=action, people_before=before)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Measure:
            # A changed target or tolerance bands the latest value again.
            for measure, _ in formset.changed_objects:
                measure_band_refresh(measure=measure)


@admin.register(AccountableBody)
class AccountableBodyAdmin(RefuseControlCharactersAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "short_name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["chairs"]


@admin.register(OwnerRole)
class OwnerRoleAdmin(RefuseControlCharactersAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "agency"]
    list_filter = ["agency"]
    list_select_related = ["agency"]
    search_fields = ["title", "agency__name"]
    autocomplete_fields = ["holders"]

    def save_related(self, request, form, formsets, change):
        """Save the holders, then tell the people given or relieved of the role of the actions
        that gives or takes away (inside the admin's transaction)."""
        people = {person.pk for person in form.cleaned_data.get("holders", [])}
        if change:
            people |= set(form.instance.holders.values_list("pk", flat=True))
        before = owned_action_ids(sorted(people))
        super().save_related(request, form, formsets, change)
        holder_changes_tell(before=before)


# People and agencies belong to accounts, which knows nothing of the plan. The plan declares
# who holds its roles and chairs its bodies, so it adds those to their admin pages here, as
# Django's documentation extends the user admin: unregister, subclass, register again.
class RolesHeldInline(RefuseControlCharactersAdminMixin, admin.TabularInline):
    model = OwnerRole.holders.through
    extra = 0
    autocomplete_fields = ["ownerrole"]
    verbose_name = "owner role held"
    verbose_name_plural = "owner roles held (they may update those actions)"


class BodiesChairedInline(RefuseControlCharactersAdminMixin, admin.TabularInline):
    model = AccountableBody.chairs.through
    extra = 0
    autocomplete_fields = ["accountablebody"]
    verbose_name = "body chaired"
    verbose_name_plural = "bodies chaired (sub-groups, boards)"


class OwnerRoleInline(RefuseControlCharactersAdminMixin, admin.TabularInline):
    model = OwnerRole
    extra = 0
    fields = ["title"]


admin.site.unregister([User, Agency])


@admin.register(User)
class UserAdmin(accounts_admin.UserAdmin):
    inlines = [RolesHeldInline, BodiesChairedInline]

    def save_related(self, request, form, formsets, change):
        """Save the roles held, then tell the person of the actions a change gives or takes
        away (inside the admin's transaction)."""
        before = owned_action_ids([form.instance.pk])
        super().save_related(request, form, formsets, change)
        holder_changes_tell(before=before)


@admin.register(Agency)
class AgencyAdmin(accounts_admin.AgencyAdmin):
    inlines = [OwnerRoleInline]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: status history is the audit of statuses and is never edited or deleted."""

    list_display = ["action", "rag", "author", "created_at", "is_demo"]
    list_filter = ["rag", "is_demo", "action__plan", "action__accountable_body"]
    list_select_related = ["action", "author"]
    search_fields = ["action__reference", "commentary", "author__username"]
    date_hierarchy = "created_at"


@admin.register(DueDateRevision)
class DueDateRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: revisions are the audit of due dates. Revise through the action's page."""

    list_display = ["action", "previous_due_date", "due_date", "revised_by", "revised_at"]
    list_filter = ["action__plan", "action__accountable_body"]
    list_select_related = ["action", "revised_by"]
    search_fields = ["action__reference", "reason", "revised_by__username"]
    date_hierarchy = "revised_at"


@admin.register(MeasureValue)
class MeasureValueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: reported values are append-only; a correction is a new value (reported with a
    status update) that supersedes the one before."""

    list_display = ["measure", "quarter", "value", "is_estimate", "recorded_by", "recorded_at"]
    list_filter = ["quarter", "is_demo", "measure__action__plan"]
    list_select_related = ["measure", "recorded_by"]
    search_fields = ["measure__text", "measure__action__reference", "note"]


# Rounds and imports are run from their own pages (Rounds, Import a plan): the admin shows their
# records for looking into a problem, and changes none of them.


@admin.register(ReportingRound)
class ReportingRoundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "quarter", "deadline", "sign_off_date", "opened_at", "closed_at"]
    list_filter = ["plan", "quarter"]
    list_select_related = ["plan"]


@admin.register(RoundEmail)
class RoundEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each round e-mail to each person: sent, or waiting and why (last error)."""

    list_display = ["round", "person", "step", "sent_at", "attempts", "next_attempt_at"]
    list_filter = ["step", "round"]
    list_select_related = ["round__plan", "person"]
    search_fields = ["person__username", "person__email", "last_error"]
    fields = ["round", "person", "step", *OUTBOX_FIELDS]


@admin.register(OwnerChangeEmail)
class OwnerChangeEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each e-mail telling a person that actions became or stopped being theirs to update:
    sent, or waiting and why (last error)."""

    list_display = ["person", "created_at", "sent_at", "attempts", "next_attempt_at"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["person"]
    search_fields = ["person__username", "person__email", "last_error"]
    fields = ["person", *OUTBOX_FIELDS]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Chairs' decisions, append-only: a new decision is a new row."""

    list_display = ["entry", "decision", "decided_by", "decided_at"]
    list_filter = ["decision", "entry__round"]
    list_select_related = ["entry__action", "entry__round__plan", "decided_by"]
    search_fields = ["entry__action__reference", "comment", "decided_by__username"]
    date_hierarchy = "decided_at"


@admin.register(PlanImport)
class PlanImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The record of each import: who, when, the file's name and SHA-256, what was made. The
    rows of a pending upload are not shown here."""

    list_display = ["file_name", "state", "uploaded_by", "created_at", "plan", "committed_at"]
    list_filter = ["state", "file_format"]
    list_select_related = ["uploaded_by", "plan"]
    search_fields = ["file_name", "sha256"]
    exclude = ["grid"]


@admin.register(ImportLayout)
class ImportLayoutAdmin(admin.ModelAdmin):
    """Column mappings remembered for the next file with the same header: deleting one makes
    the next import suggest its mapping afresh. Not added or changed by hand."""

    list_display = ["__str__", "updated_at"]
    readonly_fields = ["signature", "header", "mapping", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
