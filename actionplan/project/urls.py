"""The root URLconf: the admin, authentication, and each app's own URLs."""

from django.contrib import admin
from django.urls import include, path

from accounts.views import (
    LogoutView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
    session_keep_alive,
)
from actionplan import views
from actionplan.project import errors

admin.site.site_header = "Actionplan administration"
admin.site.site_title = "Actionplan admin"

handler403 = "accounts.views.permission_denied"
handler500 = "actionplan.project.errors.server_error"

urlpatterns = [
    path("healthz", errors.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/password_change/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/keep-alive/", session_keep_alive, name="session-keep-alive"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("reports/", include("reports.urls")),
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("", include("actionplan.urls")),
]
