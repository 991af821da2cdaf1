"""Multi-factor sign-in (django-otp): who needs it, setting up an authenticator app, backup
codes, and checking a code.

Assessors, moderators and national admins (and anyone who may open the Django admin) must
verify a second factor after their password before any other page opens (enforced by
``accounts.middleware.RequireMultiFactorMiddleware``). The factor is a time-based code
(TOTP, RFC 6238) from an authenticator app, or one of ten single-use backup codes.
django-otp throttles each device: after a wrong code, the next try must wait, twice as long
after every further failure.
"""

from __future__ import annotations

from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import permissions

BACKUP_CODES = 10
APP_DEVICE = "Authenticator app"
BACKUP_DEVICE = "Backup codes"


def needs_multi_factor(user) -> bool:
    return bool(
        user.is_authenticated
        and (
            permissions.is_assessor(user)
            or permissions.is_moderator(user)
            or permissions.is_national_admin(user)
            or user.is_staff
        )
    )


def has_app(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app(user) -> TOTPDevice:
    """The unconfirmed authenticator-app device being set up (made once, kept until used)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)
    return device


def confirm_app(request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app with its first code: the session is verified and ten backup codes
    are made (returned once, to show). None when the code is wrong. Side effects: the
    device confirmed, any earlier app device of the user removed, new backup codes."""
    if not device.verify_token(_clean(code)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_backup_codes(device.user)
    otp_login(request, device)
    return codes


def new_backup_codes(user) -> list[str]:
    """Ten new single-use backup codes; the old ones stop working."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_DEVICE, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(request, code: str) -> bool:
    """Check a code from the app or a backup code; on success the session is verified."""
    code = _clean(code)
    if not code:
        return False
    with transaction.atomic():
        for device in devices_for_user(request.user, for_verify=True):
            if device.verify_is_allowed()[0] and device.verify_token(code):
                otp_login(request, device)
                return True
    return False


def is_verified(request) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY)) and request.user.is_verified()


def _clean(code: str) -> str:
    return "".join((code or "").split()).lower()[:16]
