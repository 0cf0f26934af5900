"""System checks for the Board pack settings: a mistake here shows at start-up (and in
`manage.py check`), not as packs failing or stalling later."""

from django.conf import settings
from django.core import checks

# The longest step of a render between two progress reports is laying out one part of a
# large pack, or all of a small one: seconds, not minutes. Below this, live packs would be
# marked failed.
MIN_STALLED_AFTER = 60


@checks.register()
def check_pack_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    if settings.PACK_STALLED_AFTER < MIN_STALLED_AFTER:
        errors.append(
            checks.Error(
                f"PACK_STALLED_AFTER is {settings.PACK_STALLED_AFTER} seconds: packs still "
                "rendering would be marked failed.",
                hint=f"Set it to {MIN_STALLED_AFTER} or more (the default is 600).",
                id="reports.E001",
            )
        )
    if settings.PACK_WORKERS < 0:
        errors.append(
            checks.Error(
                f"PACK_WORKERS is {settings.PACK_WORKERS}.",
                hint="Set it to 0 (one process per core), 1 (no parallel rendering) or more.",
                id="reports.E002",
            )
        )
    return errors
