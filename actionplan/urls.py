from django.urls import path

from actionplan import views

app_name = "actionplan"

urlpatterns = [
    path("my-actions/", views.my_actions, name="my-actions"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan-detail"),
    path("plans/<slug:slug>/export.<str:fmt>", views.plan_export, name="plan-export"),
    path("actions/<int:pk>/", views.action_detail, name="action-detail"),
    path("actions/<int:pk>/update/", views.action_update, name="action-update"),
]
