"""Pages of the cases part, mounted under /cases/: each feature's routes, collected here."""

from __future__ import annotations

from .assistance import urls as assistance
from .casework import urls as casework
from .consistency import urls as consistency
from .elimination import urls as elimination
from .notices import urls as notices
from .procedure import urls as procedure

app_name = "cases"

urlpatterns: list = [
    *casework.urlpatterns,
    *procedure.urlpatterns,
    *consistency.urlpatterns,
    *notices.urlpatterns,
    *assistance.urlpatterns,
    *elimination.urlpatterns,
]
