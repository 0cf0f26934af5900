#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path

# Written by ./run.sh in a checkout it sets up (DEBUG=true); a deployment has none.
DEVELOPMENT_ENV = Path(__file__).resolve().parent / "var" / "development.env"


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actionplan.project.settings")
    from actionplan.project.env import load_development_env

    load_development_env(DEVELOPMENT_ENV)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
