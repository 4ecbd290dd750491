"""Uploaded files (signed scans, photos): type checked by content, size-limited, kept outside the web root.

A photo's pixels are bounded as well as its bytes: a 20 KB PNG can say 13,000 × 13,000 and cost a gigabyte to
decode. Its size is read from the header alone at upload (nothing decoded) and refused past `UPLOAD_MAX_PIXELS`;
a thumbnail is only ever decoded from a file within that bound, and a file stored before the bound gets a plain
placeholder instead of a failed page.
"""
import io
import secrets
import warnings
from pathlib import Path
from typing import Callable

from flask import current_app, request
from PIL import Image, ImageOps, JpegImagePlugin, PngImagePlugin
from werkzeug.datastructures import FileStorage

from models import db

from .domain.cases import add_evidence
from .domain.errors import FieldErrors, PayloadTooLarge

# The first bytes of each accepted type; the name and the declared type are not trusted.
SIGNATURES = {b"\xff\xd8\xff": ("image/jpeg", ".jpg"), b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
              b"%PDF-": ("application/pdf", ".pdf")}
IMAGES = ("image/jpeg", "image/png")
_STORED_AS = {suffix: content_type for content_type, suffix in SIGNATURES.values()}


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
PLACEHOLDER_GREY = (220, 220, 220)


# Each accepted image type's reader, called directly: Image.open would refuse a huge header with an error of its
# own before we could say how large it is.
READERS = {"image/jpeg": JpegImagePlugin.JpegImageFile, "image/png": PngImagePlugin.PngImageFile}


def image_size(source, content_type: str) -> tuple[int, int] | None:
    """(width, height) from an image's header, decoding nothing; None when it cannot be read as that type."""
    try:
        with READERS[content_type](source) as image:
            return image.size
    except (OSError, ValueError, SyntaxError, KeyError):
        return None


def _within_bound(size: tuple[int, int] | None) -> bool:
    return size is not None and size[0] * size[1] <= current_app.config["UPLOAD_MAX_PIXELS"]


def thumbnail(relative: str) -> str:
    """A small JPEG of an uploaded photo (made once, kept beside the uploads); its path relative to UPLOAD_DIR. A
    file past the pixel bound, or one that does not decode, gets a plain grey square: never a decoded bomb."""
    target = f"thumbs/{Path(relative).stem}.jpg"
    path = upload_root() / target
    if not path.exists():
        small = None
        if _within_bound(image_size(upload_root() / relative, _STORED_AS.get(Path(relative).suffix, ""))):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    with Image.open(upload_root() / relative) as photo:
                        photo.draft("RGB", (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))  # JPEG: decoded at a reduced scale
                        small = ImageOps.exif_transpose(photo).convert("RGB")
                        small.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
                small = None
        if small is None:
            small = Image.new("RGB", (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS), PLACEHOLDER_GREY)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{secrets.token_hex(4)}.part")
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
    if kind[0] in IMAGES:
        size = image_size(io.BytesIO(data), kind[0])
        if size is None:
            raise FieldErrors.one("file", "file.unreadable_image")
        if not _within_bound(size):
            raise FieldErrors.one("file", "file.too_many_pixels", width=size[0], height=size[1],
                                  megapixels=current_app.config["UPLOAD_MAX_PIXELS"] // 1_000_000)
    relative = f"{folder}/{secrets.token_hex(16)}{kind[1]}"
    target = upload_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative, kind[0]
