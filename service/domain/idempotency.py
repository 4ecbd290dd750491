"""Idempotency keys (the IETF Idempotency-Key draft): one key names one request. The same key with the same request
is answered as the first was; with another request it is refused (422), never answered as the first; a key longer
than the limit is refused, never cut (two keys that differ after the cut would be one)."""
import hashlib
import json

from .errors import FieldErrors

# The longest key a client may send (the API's header and the phone's form alike).
MAX_IDEMPOTENCY_KEY = 100


def checked_key(key: str | None, field: str = "Idempotency-Key") -> str | None:
    """The key as sent (None when blank); FieldErrors naming `field` when it is too long."""
    key = (key or "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise FieldErrors.one(field, "idempotency.too_long", limit=MAX_IDEMPOTENCY_KEY)
    return key or None


def request_digest(*parts) -> str:
    """A SHA-256 of what a request asked, the same for the same values however they were ordered."""
    canonical = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def require_same_request(kept_digest: str | None, digest: str, field: str = "Idempotency-Key") -> None:
    """FieldErrors naming `field` when the key was first used for another request (a record from before digests
    were kept has none, and is replayed as before)."""
    if kept_digest is not None and kept_digest != digest:
        raise FieldErrors.one(field, "idempotency.reused")
