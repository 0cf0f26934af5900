from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("two-factor/", views.two_factor_verify, name="two-factor-verify"),
    path("two-factor/set-up/", views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("invitation/<str:token>/", views.invitation_accept_view, name="invitation-accept"),
    path("people/<int:pk>/two-factor/reset/", views.two_factor_reset, name="two-factor-reset"),
]
