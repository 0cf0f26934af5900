"""Settings read as a deployment (or a fresh clone) gives them: DATABASE_URL (through
dj-database-url) and TASK_BACKEND."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from actionplan.project.env import database_from_url, load_development_env
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


@pytest.fixture
def environ(monkeypatch):
    """os.environ as a copy for the test: what load_development_env sets goes with it."""
    copy = {**os.environ, "AP_ALREADY_SET": "from the environment"}
    copy.pop("AP_FROM_FILE", None)
    monkeypatch.setattr(os, "environ", copy)
    return copy


def test_the_development_env_file_sets_only_what_the_environment_does_not(tmp_path, environ):
    path = tmp_path / "development.env"
    path.write_text("# a comment\n\nAP_FROM_FILE = true\nAP_ALREADY_SET=from the file\n")

    assert load_development_env(path) == {"AP_FROM_FILE": "true"}
    assert environ["AP_FROM_FILE"] == "true"
    assert environ["AP_ALREADY_SET"] == "from the environment"


def test_no_development_env_file_sets_nothing(tmp_path, environ):
    before = dict(environ)
    assert load_development_env(tmp_path / "development.env") == {}
    assert environ == before


def test_a_line_that_is_not_name_equals_value_is_refused_by_its_number(tmp_path, environ):
    path = tmp_path / "development.env"
    path.write_text("AP_FROM_FILE=true\nexport DEBUG true\n")
    with pytest.raises(ImproperlyConfigured, match="line 2: write NAME=value"):
        load_development_env(path)
    assert "AP_FROM_FILE" not in environ  # nothing set from a file that cannot be read


def test_run_sh_writes_the_development_env_that_manage_py_reads():
    script = (ROOT / "run.sh").read_text()
    assert 'DEBUG=true" > var/development.env' in script
    assert 'var" / "development.env"' in (ROOT / "manage.py").read_text()
