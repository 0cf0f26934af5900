from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Board reports"

    def ready(self):
        from reports import checks  # noqa: F401 (registers the system checks)
