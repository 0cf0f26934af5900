from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and permissions"

    def ready(self):
        from accounts import security_log  # noqa: F401 - connects the security-event receivers
