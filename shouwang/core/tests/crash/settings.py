"""The product's settings plus the app that pauses an import inside its commit (test only)."""

from shouwang.settings import *  # noqa: F403
from shouwang.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "shouwang.core.tests.crash.apps.CrashTestConfig"]
