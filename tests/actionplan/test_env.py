"""Settings read as a deployment (or a fresh clone) gives them: DATABASE_URL (through
dj-database-url) and TASK_BACKEND."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from actionplan.project.env import database_from_url
from tests.conftest import ROOT


def test_no_url_is_the_sqlite_file_whose_folder_is_made_on_first_use(tmp_path):
    default = tmp_path / "var" / "db.sqlite3"
    database = database_from_url("", sqlite_default=default)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(default)
    assert default.parent.is_dir()  # a fresh clone has no var/: manage.py still works


def test_a_postgres_url_names_every_part():
    database = database_from_url(
        "postgres://app:s%40cret@db.example.org:6543/actionplan?sslmode=require",
        sqlite_default=None,
    )
    parts = ["ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS"]
    assert {part: database[part] for part in parts} == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "actionplan",
        "USER": "app",
        "PASSWORD": "s@cret",
        "HOST": "db.example.org",
        "PORT": 6543,
        "OPTIONS": {"sslmode": "require"},
    }


def test_a_sqlite_url_keeps_the_apps_sqlite_options(tmp_path):
    database = database_from_url(f"sqlite:///{tmp_path}/app.sqlite3", sqlite_default=None)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == f"{tmp_path}/app.sqlite3"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/app", "must start with postgres:// or sqlite://, not mysql://"),
        ("nosuchdb://localhost/app", "must start with postgres:// or sqlite://, not nosuchdb://"),
        ("postgres://localhost/", "must name a database"),
        ("postgres://app@db.example.org:port/actionplan", "not a URL that can be read"),
    ],
)
def test_a_url_we_cannot_use_is_refused_clearly(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url, sqlite_default=None)


def _manage_check(**env):
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "DEBUG": "true", **env}, timeout=120,
    )  # fmt: skip


def test_the_queue_is_a_setting_and_rq_passes_the_checks():
    assert _manage_check(TASK_BACKEND="rq").returncode == 0
    refused = _manage_check(TASK_BACKEND="celery")
    assert refused.returncode != 0
    assert "TASK_BACKEND must be 'database' or 'rq', not 'celery'" in refused.stderr
