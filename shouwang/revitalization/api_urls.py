"""API routes of the revitalization part, mounted under /api/ by shouwang/api_urls.py (one api module per feature)."""

from __future__ import annotations

from .assets.api import urlpatterns as assets
from .cadres.api import urlpatterns as cadres
from .enrolment.api import urlpatterns as enrolment
from .gaps.api import urlpatterns as gaps
from .mechanism.api import urlpatterns as mechanism
from .policies.api import urlpatterns as policies
from .projects.api import urlpatterns as projects
from .relative.api import urlpatterns as relative
from .simulation.api import urlpatterns as simulation
from .villages.api import urlpatterns as villages

urlpatterns: list = []
urlpatterns += relative
urlpatterns += cadres
urlpatterns += assets
urlpatterns += villages
urlpatterns += projects
urlpatterns += enrolment
urlpatterns += gaps
urlpatterns += simulation
urlpatterns += mechanism
urlpatterns += policies
