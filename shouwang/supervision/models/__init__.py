"""Supervision models: each module below belongs to one concern (see its docstring)."""
from .aggregates import *  # noqa: F403
from .assessment import *  # noqa: F403
from .dispatch import *  # noqa: F403
from .quality import *  # noqa: F403
from .spotchecks import *  # noqa: F403
