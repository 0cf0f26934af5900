"""Board pack settings that would break packs are refused at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from reports.checks import check_pack_settings


def test_the_default_settings_pass():
    assert check_pack_settings() == []


@pytest.mark.parametrize(
    ("setting", "value", "error_id"),
    [("PACK_STALLED_AFTER", 0, "reports.E001"), ("PACK_STALLED_AFTER", 59, "reports.E001"),
     # A pack of 999 actions is laid out in one process, in one step: a minute or more.
     ("PACK_STALLED_AFTER", 479, "reports.E001"),
     ("PACK_WORKERS", -1, "reports.E002"),
     ("PACK_PARALLEL_MIN_ACTIONS", 0, "reports.E003")],
)  # fmt: skip
def test_a_setting_that_would_break_packs_is_an_error(setting, value, error_id):
    with override_settings(**{setting: value}):
        assert [error.id for error in check_pack_settings()] == [error_id]
        with pytest.raises(SystemCheckError, match=setting):
            call_command("check")


@pytest.mark.parametrize(
    "values",
    [
        {"PACK_STALLED_AFTER": 480, "PACK_WORKERS": 1, "PACK_PARALLEL_MIN_ACTIONS": 1000},
        {"PACK_STALLED_AFTER": 60, "PACK_WORKERS": 1, "PACK_PARALLEL_MIN_ACTIONS": 1},
    ],
)
def test_the_smallest_sensible_values_pass(values):
    with override_settings(**values):
        assert check_pack_settings() == []


def test_a_higher_parallel_threshold_needs_a_longer_stalled_time():
    """Packs of up to 1,999 actions laid out in one process take minutes in one step: the
    default ten minutes could mark a busy machine's packs failed while they were rendering."""
    with override_settings(PACK_PARALLEL_MIN_ACTIONS=2000, PACK_STALLED_AFTER=600):
        [error] = check_pack_settings()
    assert error.id == "reports.E001"
    assert "Set it to 960 or more" in error.hint


def test_manage_py_check_refuses_a_bad_setting_from_the_environment():
    """As a deployment sets it: in the environment, read at start-up."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PACK_STALLED_AFTER": "5"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "reports.E001" in result.stderr and "PACK_STALLED_AFTER is 5 seconds" in result.stderr
