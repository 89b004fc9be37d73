from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("verify/", views.verify, name="verify"),
    path("two-factor/", views.enrol, name="enrol"),
    path("two-factor/recovery-codes/", views.regenerate_recovery_codes, name="recovery_codes"),
    path("password/", views.password_change, name="password_change"),
    path("two-factor/reset/", views.reset_two_factor, name="reset_two_factor"),
    path("login-rules/", views.security_settings, name="security_settings"),
]
