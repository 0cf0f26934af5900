"""DATABASE_URL, read as a deployment (or a fresh clone) gives it."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from actionplan.project.env import database_from_url


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
    assert database == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "actionplan",
        "USER": "app",
        "PASSWORD": "s@cret",
        "HOST": "db.example.org",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [("mysql://root@localhost/app", "must start with"), ("postgres://localhost/", "must name")],
)
def test_a_url_we_cannot_use_is_refused_clearly(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url, sqlite_default=None)
