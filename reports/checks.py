"""System checks for the Board pack settings: a mistake here shows at start-up (and in
`manage.py check`), not as packs failing or stalling later."""

import math

from django.conf import settings
from django.core import checks

# The longest step of a render between two progress reports is laying out, in one process,
# the largest pack that is not laid out in parallel: one of PACK_PARALLEL_MIN_ACTIONS - 1
# actions. One process lays out about 0.06 s an action (bench/README.md, "Board pack: one
# path": 1,000 actions in about a minute on 2 quiet cores, and in seven on 2 cores running
# five times the work they have room for); allow eight times that, and never less than a
# minute. Below this, live packs would be marked failed.
LAYOUT_SECONDS_PER_ACTION = 0.06
BUSY_MACHINE = 8
MIN_STALLED_AFTER = 60


def min_stalled_after() -> int:
    """The least PACK_STALLED_AFTER that leaves the longest step of a render time to finish."""
    one_process = settings.PACK_PARALLEL_MIN_ACTIONS * LAYOUT_SECONDS_PER_ACTION * BUSY_MACHINE
    return max(MIN_STALLED_AFTER, math.ceil(one_process))


@checks.register()
def check_pack_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    stalled_after, minimum = settings.PACK_STALLED_AFTER, min_stalled_after()
    if settings.PACK_PARALLEL_MIN_ACTIONS < 1:
        errors.append(
            checks.Error(
                f"PACK_PARALLEL_MIN_ACTIONS is {settings.PACK_PARALLEL_MIN_ACTIONS}.",
                hint="Set it to 1 or more (the default is 1000); PACK_WORKERS=1 turns parallel "
                "rendering off.",
                id="reports.E003",
            )
        )
    elif stalled_after < minimum:
        errors.append(
            checks.Error(
                f"PACK_STALLED_AFTER is {stalled_after} seconds: packs still "
                "rendering would be marked failed.",
                hint=f"Set it to {minimum} or more (the default is 600): a pack of fewer than "
                f"PACK_PARALLEL_MIN_ACTIONS ({settings.PACK_PARALLEL_MIN_ACTIONS}) actions is "
                "laid out in one process, in one step.",
                id="reports.E001",
            )
        )
    if settings.PACK_WORKERS < 0:
        errors.append(
            checks.Error(
                f"PACK_WORKERS is {settings.PACK_WORKERS}.",
                hint="Set it to 0 (one process per core), 1 (every pack in one process) or more.",
                id="reports.E002",
            )
        )
    return errors
