from .households import urls as households_urls
from .imports import urls as imports_urls

app_name = "registry"
urlpatterns = [
    *households_urls.urlpatterns,
    *imports_urls.urlpatterns,
]
