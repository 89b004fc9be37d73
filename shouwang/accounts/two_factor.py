"""The second factor (等保 L3 身份鉴别 d, security.md G17): a TOTP app and one-time recovery codes.

After the password, a session of an account that must use two factors
(``permissions.must_use_two_factor``, or any account with a confirmed app) is *pending*: the
middleware (``accounts.middleware``) lets it reach only the pages that verify a code, enrol an
app and log out. Verifying marks the session with the device that verified it (django-otp's
``DEVICE_ID_SESSION_KEY``). The secret is shown once at enrolment (QR code drawn here, no
internet) and kept encrypted; recovery codes are shown once and kept as keyed hashes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from io import BytesIO

import django_otp
from django.db import transaction
from django.http import HttpRequest

from shouwang.core.audit import Change, record_changes

from .models import RECOVERY_CODE_LENGTH, RecoveryCode, RecoveryCodeDevice, TotpDevice, User, recovery_digest

# Session keys: whether this session must show a second factor (decided at login), and the
# device that verified it (django-otp's own key, so django-otp's helpers agree).
REQUIRED_SESSION_KEY = "shouwang_two_factor_required"
VERIFIED_SESSION_KEY = django_otp.DEVICE_ID_SESSION_KEY

RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: codes are read off paper and typed on a phone.
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_RECOVERY_LENGTH = RECOVERY_CODE_LENGTH  # 31**10 ≈ 2**49.5 per code


def has_app(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


def required(user: User) -> bool:
    """Whether a login of ``user`` needs the second factor: by rights or county rule, or by choice."""
    from .permissions import must_use_two_factor

    return must_use_two_factor(user) or has_app(user)


def mark_login(request: HttpRequest, user: User) -> None:
    """At login: decide once whether this session waits for a second factor."""
    request.session[REQUIRED_SESSION_KEY] = required(user)


def is_pending(request: HttpRequest) -> bool:
    """A signed-in session that still owes its second factor."""
    session = request.session
    if REQUIRED_SESSION_KEY not in session:  # a session from before two factors existed
        user = request.user
        session[REQUIRED_SESSION_KEY] = isinstance(user, User) and required(user)
    return bool(session[REQUIRED_SESSION_KEY]) and not session.get(VERIFIED_SESSION_KEY)


def mark_verified(request: HttpRequest, device) -> None:
    django_otp.login(request, device)
    request.session.cycle_key()  # a new session id once the second factor is shown


# --- enrolment -----------------------------------------------------------------------------------


def start_enrolment(user: User) -> TotpDevice:
    """The account's unconfirmed app (a fresh secret the first time), until a code confirms it."""
    device = TotpDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TotpDevice.objects.create(user=user, name="app", confirmed=False, key=secrets.token_hex(20))
    return device


def secret_base32(device: TotpDevice) -> str:
    """The secret as authenticator apps take it when typed, in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def provisioning_uri(device: TotpDevice) -> str:
    from base64 import b32encode
    from urllib.parse import quote, urlencode

    issuer = "Shouwang"
    label = quote(f"{issuer}:{device.user.get_username()}")
    query = urlencode({"secret": b32encode(device.bin_key).decode("ascii").rstrip("="), "issuer": issuer,
                       "algorithm": "SHA1", "digits": device.digits, "period": device.step})
    return f"otpauth://totp/{label}?{query}"


def qr_svg(device: TotpDevice) -> str:
    """The enrolment QR code as inline SVG markup, drawn on the server (no image service)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(provisioning_uri(device), image_factory=qrcode.image.svg.SvgPathImage, box_size=8,
                        border=2)
    out = BytesIO()
    image.save(out)
    markup = out.getvalue().decode("utf-8")
    return markup[markup.index("<svg"):]  # drop the XML declaration: the markup sits inside HTML


def confirm_enrolment(request: HttpRequest, device: TotpDevice, token: str) -> list[str] | None:
    """Confirm the app with a code it shows; the session is then verified. Returns the new
    recovery codes (to show once), or None when the code is wrong."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(token):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One app per account: a new enrolment replaces the old one.
        TotpDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
        codes = new_recovery_codes(device.user)
        _log(device.user, "enrolled")
    mark_verified(request, device)
    return codes


# --- verification ----------------------------------------------------------------------------------


@dataclass
class Verified:
    device: TotpDevice | RecoveryCodeDevice
    recovery_codes_left: int | None = None  # set when a recovery code was used


def verify(request: HttpRequest, user: User, token: str) -> Verified | None:
    """Check a code from the app, or else a recovery code; mark the session verified on success."""
    token = (token or "").strip()
    compact = token.replace(" ", "")
    for device in TotpDevice.objects.filter(user=user, confirmed=True):
        if compact.isdigit() and django_otp.verify_token(user, device.persistent_id, compact):
            mark_verified(request, device)
            return Verified(device)
    if not compact.isdigit():
        for device in RecoveryCodeDevice.objects.filter(user=user, confirmed=True):
            if django_otp.verify_token(user, device.persistent_id, token):
                mark_verified(request, device)
                left = RecoveryCode.objects.filter(device=device).count()
                _log(user, "recovery_code_used")
                return Verified(device, recovery_codes_left=left)
    return None


# --- recovery codes ------------------------------------------------------------------------------


def _format_code(raw: str) -> str:
    return f"{raw[:5]}-{raw[5:]}"


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with ``RECOVERY_CODE_COUNT`` new ones (shown once)."""
    with transaction.atomic():
        RecoveryCodeDevice.objects.filter(user=user).delete()
        device = RecoveryCodeDevice.objects.create(user=user, name="recovery", confirmed=True)
        codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
                 for _ in range(RECOVERY_CODE_COUNT)]
        RecoveryCode.objects.bulk_create(
            RecoveryCode(device=device, digest=recovery_digest(user.pk, code)) for code in codes
        )
    return [_format_code(code) for code in codes]


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user).count()


def regenerate_recovery_codes(user: User) -> list[str]:
    codes = new_recovery_codes(user)
    _log(user, "recovery_codes_renewed")
    return codes


# --- reset by an administrator -------------------------------------------------------------------


def reset(user: User) -> bool:
    """Remove the account's app and recovery codes (a lost phone); the change log records it, with
    the acting administrator from the audit context. The account enrols again at its next login.
    Returns whether there was anything to remove."""
    with transaction.atomic():
        removed = TotpDevice.objects.filter(user=user).delete()[0]
        removed += RecoveryCodeDevice.objects.filter(user=user).delete()[0]
        _log(user, "reset")
    return bool(removed)


def _log(user: User, event: str) -> None:
    """A change-log entry on the account: enrolled, recovery codes renewed or used, reset."""
    record_changes([Change(
        action="update", object_type="accounts.user", object_id=user.pk, object_repr=user.username,
        region_code=user.region_id or "", before=None, after={"two_factor": event},
    )])

