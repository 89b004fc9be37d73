#!/usr/bin/env python
"""Django's command-line utility for Shouwang.

A setting that is missing or malformed (``shouwang.config.ConfigError``) stops every command
with its message alone (it names the variable), no traceback, and exit status 2.
"""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from shouwang.config import ConfigError

    try:
        settings.INSTALLED_APPS  # noqa: B018 -- load the settings here, where a ConfigError is caught
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
    except (ImportError, ImproperlyConfigured):
        pass  # any other settings problem: Django reports it in its own way
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
