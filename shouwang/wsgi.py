"""WSGI entry point.

A setting that is missing or malformed (``shouwang.config.ConfigError``) is written to stderr as
its message alone (it names the variable), then raised again so that the server refuses to start.
"""
import os
import sys

from django.core.wsgi import get_wsgi_application

from shouwang.config import ConfigError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
try:
    application = get_wsgi_application()
except ConfigError as exc:
    print(exc, file=sys.stderr)
    raise
