from django.urls import path

from actionplan import import_views, people_views, plan_edit_views, round_views, views

app_name = "actionplan"

urlpatterns = [
    path("my-actions/", views.my_actions, name="my-actions"),
    path("my-dashboard/", views.my_dashboard, name="my-dashboard"),
    path("overview/", views.overview, name="overview"),
    path("bodies/<int:pk>/", views.BodyDashboardView.as_view(), name="body-dashboard"),
    path("bodies/<int:pk>/export.<str:fmt>", views.body_export, name="body-export"),
    path("plans/", views.plan_list, name="plan-list"),
    # Before plan-detail, whose slug would take "import" (a plan may not be called that).
    path("plans/import/", import_views.import_upload, name="import-upload"),
    path("plans/import/<int:pk>/mapping/", import_views.import_mapping, name="import-mapping"),
    path("plans/import/<int:pk>/preview/", import_views.import_preview, name="import-preview"),
    path("plans/import/<int:pk>/done/", import_views.import_done, name="import-done"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan-detail"),
    path("plans/<slug:slug>/actions/new/", plan_edit_views.action_add, name="action-add"),
    path("plans/<slug:slug>/priorities/new/", plan_edit_views.priority_add, name="priority-add"),
    path("plans/<slug:slug>/objectives/new/", plan_edit_views.objective_add, name="objective-add"),
    path(
        "plans/<slug:slug>/export-measures.csv",
        views.plan_measures_export,
        name="plan-measures-export",
    ),
    path("plans/<slug:slug>/export.<str:fmt>", views.plan_export, name="plan-export"),
    path("actions/<int:pk>/", views.action_detail, name="action-detail"),
    path("actions/<int:pk>/update/", views.action_update, name="action-update"),
    path("actions/<int:pk>/due-date/", views.action_revise_due_date, name="action-due-date"),
    path("actions/<int:pk>/edit/", plan_edit_views.action_edit, name="action-edit"),
    path("actions/<int:pk>/retire/", plan_edit_views.action_retire, name="action-retire"),
    path("actions/<int:pk>/reinstate/", plan_edit_views.action_reinstate, name="action-reinstate"),
    path("measures/<int:pk>/quantify/", views.measure_quantify_view, name="measure-quantify"),
    path("actions/<int:pk>/draft/", views.action_draft_save, name="action-draft"),
    path(
        "actions/<int:pk>/draft/discard/",
        views.action_draft_discard,
        name="action-draft-discard",
    ),
    path("rounds/", round_views.round_list, name="round-list"),
    path("rounds/new/", round_views.round_open, name="round-open"),
    path("rounds/<int:pk>/", round_views.round_detail, name="round-detail"),
    path("rounds/<int:pk>/scope/", round_views.round_scope, name="round-scope"),
    path("rounds/<int:pk>/close/", round_views.round_close, name="round-close"),
    path("rounds/<int:pk>/sign-off/", round_views.round_sign_off, name="round-sign-off"),
    path(
        "rounds/<int:pk>/sign-off/<int:entry_pk>/return/",
        round_views.round_sign_off_return,
        name="round-sign-off-return",
    ),
    path("rounds/<int:pk>/export.csv", round_views.round_export, name="round-export"),
    path("people/", people_views.person_list, name="person-list"),
    path("people/invite/", people_views.person_invite, name="person-invite"),
    path("people/me/", people_views.my_page, name="my-page"),
    path("people/<int:pk>/", people_views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", people_views.person_edit, name="person-edit"),
    path("people/<int:pk>/resend/", people_views.person_resend, name="person-resend"),
    path("people/<int:pk>/revoke/", people_views.person_revoke, name="person-revoke"),
    path("people/<int:pk>/deactivate/", people_views.person_deactivate, name="person-deactivate"),
    path("people/<int:pk>/reactivate/", people_views.person_reactivate, name="person-reactivate"),
]
