"""Uploaded files (signed scans, photos): type checked by content, size-limited, kept outside the web root."""
import secrets
from pathlib import Path
from typing import Callable

from flask import current_app, request
from PIL import Image, ImageOps
from werkzeug.datastructures import FileStorage

from models import db

from .domain.cases import add_evidence
from .domain.errors import FieldErrors, PayloadTooLarge

# The first bytes of each accepted type; the name and the declared type are not trusted.
SIGNATURES = {b"\xff\xd8\xff": ("image/jpeg", ".jpg"), b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
              b"%PDF-": ("application/pdf", ".pdf")}
IMAGES = ("image/jpeg", "image/png")


def photo_evidence(actor, now) -> Callable[[int], None] | None:
    """The form's `photo`, as a step that attaches it to a case as evidence (None when no photo was chosen)."""
    photo = request.files.get("photo")
    if not photo or not photo.filename:
        return None
    return lambda case_id: add_evidence(db.session, actor, case_id, lambda: store_upload(photo, IMAGES, "evidence"),
                                        photo.filename, now)


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


THUMBNAIL_PIXELS = 240  # the longer side: a row of photos on a 360 px phone, kilobytes on a weak signal


def thumbnail(relative: str) -> str:
    """A small JPEG of an uploaded photo (made once, kept beside the uploads); its path relative to UPLOAD_DIR."""
    target = f"thumbs/{Path(relative).stem}.jpg"
    path = upload_root() / target
    if not path.exists():
        with Image.open(upload_root() / relative) as photo:
            small = ImageOps.exif_transpose(photo).convert("RGB")
            small.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            small.save(partial, "JPEG", quality=70)
            partial.replace(path)  # two requests at once each write their own, and the last one stays
    return target


def store_upload(file: FileStorage | None, allowed: tuple[str, ...], folder: str) -> tuple[str, str]:
    """Save the upload under UPLOAD_DIR/folder; returns (relative path, content type). FieldErrors if refused."""
    if file is None or not file.filename:
        raise FieldErrors.one("file", "file.none")
    data = file.stream.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
    if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
        raise PayloadTooLarge("file.larger_than", kib=current_app.config["UPLOAD_MAX_BYTES"] // 1024)
    kind = next((found for magic, found in SIGNATURES.items() if data.startswith(magic)), None)
    if kind is None or kind[0] not in allowed:
        raise FieldErrors.one("file", "file.type", kinds=", ".join(kind.upper() for kind in allowed))
    relative = f"{folder}/{secrets.token_hex(16)}{kind[1]}"
    target = upload_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative, kind[0]
