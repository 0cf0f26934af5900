"""The root URLconf: the admin, authentication, and each app's own URLs."""

from django.contrib import admin
from django.urls import include, path

from actionplan import views

admin.site.site_header = "Actionplan administration"
admin.site.site_title = "Actionplan admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("", include("actionplan.urls")),
]
