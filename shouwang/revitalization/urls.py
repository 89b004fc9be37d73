"""Pages of the revitalization part, mounted under /revitalization/ (one url module per feature)."""

from __future__ import annotations

from .assets.urls import urlpatterns as assets
from .cadres.urls import urlpatterns as cadres
from .enrolment.urls import urlpatterns as enrolment
from .gaps.urls import urlpatterns as gaps
from .mechanism.urls import urlpatterns as mechanism
from .overview.urls import urlpatterns as overview
from .policies.urls import urlpatterns as policies
from .projects.urls import urlpatterns as projects
from .relative.urls import urlpatterns as relative
from .simulation.urls import urlpatterns as simulation
from .villages.urls import urlpatterns as villages

app_name = "revitalization"

urlpatterns: list = []
urlpatterns += overview
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
