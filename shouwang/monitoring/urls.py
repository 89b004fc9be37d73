"""Monitoring pages: department feeds, field work (visits, campaigns, self-reports), warnings, the
line, the rules and screening. Each feature's routes live in its own ``urls.py``."""

from __future__ import annotations

from .feeds.urls import urlpatterns as feeds
from .fieldwork.urls import urlpatterns as fieldwork
from .lines.urls import urlpatterns as lines
from .rules.urls import urlpatterns as rules
from .screening.urls import urlpatterns as screening
from .selfreport.urls import urlpatterns as selfreport
from .warnings.urls import urlpatterns as warnings

app_name = "monitoring"
urlpatterns = [*feeds, *fieldwork, *selfreport, *warnings, *lines, *rules, *screening]
