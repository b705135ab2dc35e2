"""Secrets handed out by sipas, and the digests it keeps of them.

Links, kiosk keys and API keys are stored only as SHA-256 digests. A survey's
link is an HMAC of its random `key`, so the server can show the same link again
without keeping it; rotating SIPAS_TOKEN_KEY invalidates every open link.
"""

import base64
import hashlib
import hmac
import secrets
import uuid

from django.conf import settings

# 24 base64url characters carry 144 bits: far beyond guessing, short enough to type from a slip.
SURVEY_TOKEN_LENGTH = 24
API_KEY_PREFIX = "sipas_"


def digest(secret: str) -> str:
    """The SHA-256 hex digest under which a secret is stored and looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()


def survey_token(key: uuid.UUID) -> str:
    """The one-time link token of the survey with this key."""
    mac = hmac.new(settings.SIPAS_TOKEN_KEY.encode(), b"issued-survey:" + key.bytes, hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode()[:SURVEY_TOKEN_LENGTH]


def api_key_new() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def kiosk_key_new() -> str:
    return secrets.token_urlsafe(32)


def pairing_code_new() -> str:
    """Eight digits a head types on a tablet; it expires within minutes and tries are throttled."""
    return f"{secrets.randbelow(10**8):08d}"


def fingerprint(value: str) -> str:
    """A short keyed digest of an address or device id: comparable, not reversible without the key."""
    if not value:
        return ""
    mac = hmac.new(settings.SIPAS_TOKEN_KEY.encode(), b"fingerprint:" + value.encode(), hashlib.sha256)
    return mac.hexdigest()[:16]
