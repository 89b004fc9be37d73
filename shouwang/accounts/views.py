"""The pages after the password: the second factor (verify, enrol, recovery codes), one's own
password and account, and the administrator's reset and login rules.

Every page here is ``never_cache``: a secret, a code or a recovery code must not stay in a cache.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.audit import Change, record_changes
from shouwang.core.permissions import can, home_region, requires

from . import auth, passwords, two_factor
from .forms import CodeForm, OwnPasswordChangeForm, ResetTwoFactorForm, SecuritySettingsForm
from .models import SecuritySettings, User
from .permissions import EDIT_SECURITY_SETTINGS, RESET_TWO_FACTOR


def _me(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind ``login_required``)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("web:home")


# --- the second factor at login ------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: a code from the app, or a recovery code."""
    if not two_factor.is_pending(request):
        return HttpResponseRedirect(_next_url(request))
    user = _me(request)
    if not two_factor.has_app(user):
        return redirect("accounts:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.verify(request, user, form.cleaned_data["code"])
        if result is not None:
            if result.recovery_codes_left is not None:
                messages.warning(request, _(
                    "You used a recovery code; %(n)d are left. Make new ones on your account page."
                ) % {"n": result.recovery_codes_left})
            return HttpResponseRedirect(_next_url(request))
        locked = auth.register_failure(user.get_username())
        auth.log_failure(user.get_username(), locked=locked, second_factor=True)
        if locked:
            logout(request)
            messages.error(request, _(
                "Login failed. Check the user name and password. After 5 failed attempts the account "
                "is locked for 15 minutes."
            ))
            return redirect("login")
        form.add_error("code", _("The code is not right, or it was used already. Try the next code."))
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan, confirm with one code, then see the recovery codes once.

    A pending session reaches this only while the account has no app; replacing an app needs a
    session that already showed the old one."""
    user = _me(request)
    if two_factor.is_pending(request) and two_factor.has_app(user):
        return redirect("accounts:verify")
    device = two_factor.start_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_enrolment(request, device, form.cleaned_data["code"])
        if codes is not None:
            return render(request, "accounts/recovery_codes.html", {
                "codes": codes, "next": _next_url(request), "enrolled": True,
            })
        form.add_error("code", _("The code is not right. Check the phone's clock and type the code the app "
                                 "shows now."))
    return render(request, "accounts/enrol.html", {
        "form": form, "qr_svg": two_factor.qr_svg(device), "secret": two_factor.secret_base32(device),
        "required": two_factor.required(user) or two_factor.is_pending(request), "next": _next_url(request),
    })


@never_cache
@login_required
@require_POST
def regenerate_recovery_codes(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    if not two_factor.has_app(user):
        return redirect("accounts:enrol")
    codes = two_factor.regenerate_recovery_codes(user)
    return render(request, "accounts/recovery_codes.html", {
        "codes": codes, "next": reverse("accounts:account"), "enrolled": False,
    })


# --- one's own account ---------------------------------------------------------------------------


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The user's own account: the password's age and expiry, the second factor and its codes."""
    user = _me(request)
    return render(request, "accounts/account.html", {
        "has_app": two_factor.has_app(user),
        "required": two_factor.required(user),
        "codes_left": two_factor.recovery_codes_left(user),
        "password_changed_at": user.password_changed_at,
        "password_expires_at": passwords.expires_at(user),
        "may_reset": can(user, RESET_TWO_FACTOR.name),
        "may_edit_settings": can(user, EDIT_SECURITY_SETTINGS.name),
    })


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password: the current one, then a new one that passes every rule."""
    expired = bool(request.session.get(passwords.EXPIRED_SESSION_KEY))
    form = OwnPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        request.session[passwords.EXPIRED_SESSION_KEY] = False
        record_changes([Change(
            action="update", object_type="accounts.user", object_id=user.pk, object_repr=user.username,
            region_code=user.region_id or "", before=None, after={"password": "(changed)"},
        )])
        messages.success(request, _("Your password has been changed."))
        return HttpResponseRedirect(_next_url(request) if expired else reverse("accounts:account"))
    return render(request, "accounts/password_change.html", {
        "form": form, "expired": expired, "next": _next_url(request),
    })


# --- the administrator ---------------------------------------------------------------------------


@never_cache
@login_required
@requires(RESET_TWO_FACTOR.name)
@require_http_methods(["GET", "POST"])
def reset_two_factor(request: HttpRequest) -> HttpResponse:
    """Remove a user's app and recovery codes (a lost phone): the user enrols again at the next login."""
    form = ResetTwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = User.objects.filter(username=form.cleaned_data["username"]).first()
        if target is None or not can(request.user, RESET_TWO_FACTOR.name, target.region_id or ""):
            form.add_error("username", _("There is no such user in your region."))
        else:
            two_factor.reset(target)
            messages.success(request, _(
                "The second factor of %(username)s was reset; they set up an app again at their next login."
            ) % {"username": target.username})
            return redirect("accounts:reset_two_factor")
    return render(request, "accounts/reset_two_factor.html", {"form": form})


@never_cache
@login_required
@requires(EDIT_SECURITY_SETTINGS.name)
@require_http_methods(["GET", "POST"])
def security_settings(request: HttpRequest) -> HttpResponse:
    """The login rules of the administrator's own region (stored for that prefix)."""
    region = home_region(request.user) or ""
    current = SecuritySettings.for_region(region)
    instance = current if current.region_code == region and current.pk else SecuritySettings(
        region_code=region, require_two_factor_for_all=current.require_two_factor_for_all,
        password_history=current.password_history, password_expiry_days=current.password_expiry_days,
    )
    before = {f: getattr(instance, f) for f in SecuritySettingsForm.Meta.fields}
    form = SecuritySettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        after = {f: getattr(saved, f) for f in SecuritySettingsForm.Meta.fields}
        if after != before:
            record_changes([Change(
                action="update", object_type="accounts.securitysettings", object_id=saved.pk,
                object_repr=str(saved), region_code=region, before=before, after=after,
            )])
        messages.success(request, _("The login rules were saved. They apply from each user's next login."))
        return redirect("accounts:security_settings")
    return render(request, "accounts/security_settings.html", {"form": form})
