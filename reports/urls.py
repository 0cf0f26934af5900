from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("support/", views.support_home, name="support-home"),
    path("packs/", views.pack_list, name="pack-list"),
    path("packs/new/", views.pack_new, name="pack-new"),
    path("packs/preview/", views.pack_preview, name="pack-preview"),
    path("packs/<int:pk>/download/", views.pack_download, name="pack-download"),
]
