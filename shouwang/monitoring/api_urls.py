"""Monitoring API routes, mounted under /api/ by shouwang/api_urls.py.

Each feature's routes live at the end of its own ``api.py``.
"""

from __future__ import annotations

from .feeds.api import urlpatterns as feeds
from .fieldwork.api import urlpatterns as fieldwork
from .lines.api import urlpatterns as lines
from .rules.api import urlpatterns as rules
from .selfreport.api import urlpatterns as selfreport
from .warnings.api import urlpatterns as warnings

urlpatterns = [*feeds, *fieldwork, *selfreport, *lines, *rules, *warnings]
