"""Tiny helpers that read settings from environment variables.

Each raises ImproperlyConfigured on a value it cannot read, so a typo in a deployment fails at
start-up with a message naming the variable, not later with a confusing error.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_POSTGRESQL = "django.db.backends.postgresql"
_SQLITE = "django.db.backends.sqlite3"


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def load_development_env(path: Path) -> dict[str, str]:
    """Set the variables of a development checkout's env file (KEY=value lines, # comments)
    that the environment does not already set, and return those set. ./run.sh writes the file
    (var/development.env: DEBUG=true) so that `manage.py` works in a checkout it has set up;
    only manage.py reads it, never the WSGI server, and a deployment has no such file. No file:
    nothing is set."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    found = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip().isidentifier():
            raise ImproperlyConfigured(f"{path}, line {number}: write NAME=value, not {line!r}.")
        if name.strip() not in os.environ:
            found[name.strip()] = value.strip()
    os.environ.update(found)
    return found


def database_from_url(url: str | None, *, sqlite_default: Path) -> dict:
    """Turn DATABASE_URL into a DATABASES entry (read by dj-database-url); no URL means the
    SQLite file. PostgreSQL and SQLite are the engines the app is tested on: any other is
    refused, as is a URL that cannot be read, with a message naming the variable."""
    if not url:
        # The zero-setup default: its folder (var/, not in git) is made on first use, so that
        # manage.py works straight after a clone.
        sqlite_default.parent.mkdir(parents=True, exist_ok=True)
        return _sqlite(str(sqlite_default))
    scheme = url.partition("://")[0]
    try:
        database = dj_database_url.parse(url)
    except dj_database_url.UnknownSchemeError:
        database = {"ENGINE": ""}
    except ValueError:
        raise ImproperlyConfigured(
            "DATABASE_URL is not a URL that can be read: quote any special character in the "
            "user name or password (e.g. @ as %40) and give the port as a number."
        ) from None
    if database["ENGINE"] == _SQLITE:
        return {**database, **_sqlite(database["NAME"])}
    if database["ENGINE"] != _POSTGRESQL:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// or sqlite://, not {scheme}://."
        )
    if not database["NAME"]:
        raise ImproperlyConfigured("DATABASE_URL must name a database, e.g. .../actionplan.")
    return database


def _sqlite(name: str) -> dict:
    # WAL lets pages be read while a status update is written; IMMEDIATE transactions take the
    # write lock up front, so two writers queue instead of failing with "database is locked".
    return {
        "ENGINE": _SQLITE,
        "NAME": name,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
