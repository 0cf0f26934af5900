"""Two-factor sign-in, on django-otp: an authenticator app (a TOTP device) and one-use
recovery codes (a static device), one of each per person.

No cryptography here. django-otp checks the codes, throttles failures (a device refuses every
code for 2^(n-1) seconds after its n-th failure in a row) and refuses a TOTP code of a time step
at or before the last one it accepted (TOTPDevice.last_t), so a code once used cannot be
replayed. Verifying goes through django_otp.verify_token, which locks the device row for the
check: two requests racing with one code cannot both succeed.
"""

import math
import re
import xml.etree.ElementTree as ET
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device, VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
TOTP_CODE = re.compile(r"[0-9]{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")  # StaticToken.random_token(): 5 random bytes
WRONG_CODE = (
    "That code is not right, or it has been used already. Enter the code your authenticator "
    "app shows now, or one of your recovery codes."
)


class CodeRefusedError(Exception):
    """A code was not accepted; the message says why, in words for the person."""


def normalise_code(text: str) -> str:
    """Codes are read aloud and copied: ignore spaces and hyphens, and letter case."""
    return re.sub(r"[\s-]", "", text).lower()


def new_authenticator_key() -> str:
    """A random secret for an authenticator being set up (hex, as django-otp keeps it)."""
    return default_key()


def pending_authenticator(*, user, key: str) -> TOTPDevice:
    """The authenticator being set up, not yet saved: what the QR code and secret show."""
    return TOTPDevice(user=user, name=AUTHENTICATOR_NAME, key=key, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app asks for it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URI as an inline SVG QR code: drawn here, never fetched."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage)
    svg = image.get_image()
    svg.set("role", "img")
    svg.set("aria-label", "QR code to scan with your authenticator app")
    svg.set("class", "qr-code")
    ET.register_namespace("", "http://www.w3.org/2000/svg")
    return ET.tostring(svg, encoding="unicode")


def two_factor_confirm(*, user, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator being set up (its key, as shown) with a code it made: it
    becomes the person's second factor (any earlier one is removed), with a new set of
    recovery codes, returned to be shown once. Failed codes count against (throttle) the
    pending device, kept for that."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, key=key, confirmed=False, defaults={"name": AUTHENTICATOR_NAME}
    )
    device = _verify(user, device, code)
    return device, _make_second_factor(user=user, device=device)


@transaction.atomic
def _make_second_factor(*, user, device: TOTPDevice) -> list[str]:
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.confirmed = True
    return recovery_codes_replace(user=user)


@transaction.atomic
def recovery_codes_replace(*, user) -> list[str]:
    """A new set of recovery codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def two_factor_verify(*, user, code: str) -> Device:
    """The device that accepts this code (6 digits: the authenticator; 8 letters and digits:
    a recovery code, which is then used up); CodeRefusedError if none does."""
    model = TOTPDevice if TOTP_CODE.fullmatch(code) else StaticDevice
    device = model.objects.devices_for_user(user, confirmed=True).first()
    if device is None:
        raise CodeRefusedError(WRONG_CODE)
    return _verify(user, device, code)


def _verify(user, device: Device, code: str) -> Device:
    # Asked first, so that the person is told to wait only when the device was already
    # waiting: the failure being counted now makes it wait, but the message is "wrong code".
    allowed, data = device.verify_is_allowed()
    if not allowed and data.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        wait = max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))
        raise CodeRefusedError(
            f"Too many wrong codes in a row. Wait {wait} second{'s' if wait != 1 else ''}, "
            "then enter the code your authenticator app shows."
        )
    verified = django_otp.verify_token(user, device.persistent_id, code)
    if verified is None:
        raise CodeRefusedError(WRONG_CODE)
    return verified


@transaction.atomic
def two_factor_reset(*, person) -> int:
    """Remove every second factor of a person (their phone is lost): their next sign-in, and
    any session they have now, goes to setting one up again. Returns how many were removed."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=person).delete()[1].get(model._meta.label, 0)
    return removed


def has_second_factor(user) -> bool:
    """One query. The authenticator is the second factor: recovery codes come with it
    (_make_second_factor) and go with it (two_factor_reset)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def authenticator_of(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
