"""URL map: pages, the API and its schema, login and the language switch."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from shouwang.accounts.forms import LoginForm
from shouwang.core.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),  # monitoring: no login, no personal data
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("shouwang.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("shouwang.api_urls")),
    path("registry/", include("shouwang.registry.urls")),
    path("monitoring/", include("shouwang.monitoring.urls")),
    path("cases/", include("shouwang.cases.urls")),
    path("revitalization/", include("shouwang.revitalization.urls")),
    path("supervision/", include("shouwang.supervision.urls")),
    path("report/", include("shouwang.monitoring.selfreport.public_urls")),
    path("audit/", include("shouwang.core.urls")),
    path("", include("shouwang.web.urls")),
]
