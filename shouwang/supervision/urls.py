"""Pages of the supervision part, mounted under /supervision/ (one url module per feature)."""

from __future__ import annotations

from .assessment import urls as assessment_urls
from .dashboards import urls as dashboards_urls
from .dispatch import urls as dispatch_urls
from .exports import urls as exports_urls
from .quality import urls as quality_urls
from .schedule import urls as schedule_urls
from .spotchecks import urls as spotchecks_urls
from .takeover import urls as takeover_urls

app_name = "supervision"

urlpatterns = [
    *dashboards_urls.urlpatterns,
    *assessment_urls.urlpatterns,
    *exports_urls.urlpatterns,
    *dispatch_urls.urlpatterns,
    *spotchecks_urls.urlpatterns,
    *quality_urls.urlpatterns,
    *schedule_urls.urlpatterns,
    *takeover_urls.urlpatterns,
]
