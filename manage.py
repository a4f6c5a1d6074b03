#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.dev")
    if sys.argv[1:2] == ["runserver"]:
        # The development server is a web process: it gets the web statement timeout.
        os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "15000")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
