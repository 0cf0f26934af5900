from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and permissions"

    def ready(self):
        from accounts import security_log  # noqa: F401 - connects the security-event receivers
        from accounts.middleware import start_session_clock

        user_logged_in.connect(start_session_clock, dispatch_uid="accounts.start_session_clock")
