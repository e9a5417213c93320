"""Checking and preparing photos before they are attached: orientation, size, location metadata.

Everything a camera or phone hands us goes through ``process``: the picture is decoded fully
(so a truncated file is caught here, not when someone opens the report), turned upright from
its EXIF orientation, scaled down when it is huge, and re-encoded without GPS data unless the
user asked to keep it. Anything that is not a usable image raises ``ValidationError`` with a
sentence that can be shown as it is.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from incident_desk.errors import ValidationError

log = logging.getLogger(__name__)

# A file larger than this is refused before decoding (a phone photo is 2–12 MB).
MAX_FILE_BYTES = 40 * 1024 * 1024
# More pixels than this is either a decompression bomb or nothing a report needs (≈ 100 MP).
MAX_PIXELS = 100_000_000
# Longest side after downscaling: enough to read a label in the photo, small enough to store.
MAX_SIDE = 2560
JPEG_QUALITY = 88
GPS_IFD = 0x8825
ORIENTATION = 0x0112

try:  # HEIC/HEIF photos from phones, when the optional plugin is installed.
    from pillow_heif import register_heif_opener  # type: ignore[import-not-found]

    register_heif_opener()
    HEIC_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIC_SUPPORTED = False

ACCEPTED_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff") + (
    (".heic", ".heif") if HEIC_SUPPORTED else ()
)


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    mime_type: str
    size: int
    width: int
    height: int
    had_gps: bool = False
    kept_gps: bool = False
    downscaled: bool = False


def _name(filename: str) -> str:
    return f"“{filename}”" if filename else "The file"


def process(
    data: bytes, *, filename: str = "", keep_gps: bool = False, max_side: int = MAX_SIDE
) -> ProcessedImage:
    """Return the photo ready to store, or raise ValidationError saying plainly what is wrong."""
    what = _name(filename)
    if not data:
        raise ValidationError(f"{what} is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            f"{what} is {len(data) / 1_048_576:.0f} MB; photos up to "
            f"{MAX_FILE_BYTES // 1_048_576} MB can be attached."
        )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; treat both as a bomb.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    f"{what} claims to be {width:,} × {height:,} pixels, which is too large to "
                    "be a photo; it was not attached."
                )
            fmt = image.format or ""
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            f"{what} is far too large to be a photo (possibly a deliberately malformed "
            "file); it was not attached."
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(
            f"{what} is not a picture Incident Desk can read. Attach JPEG or PNG photos"
            + (" (or HEIC)." if HEIC_SUPPORTED else ".")
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        log.info("image decode failed: %s", exc)
        raise ValidationError(
            f"{what} is damaged or incomplete (the picture data stops early); it was not attached."
        ) from None

    exif = image.getexif()
    had_gps = GPS_IFD in exif and bool(exif.get_ifd(GPS_IFD))
    upright = ImageOps.exif_transpose(image)
    downscaled = False
    if max(upright.size) > max_side:
        upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        downscaled = True

    out_exif = Image.Exif()
    if keep_gps and had_gps:
        out_exif[GPS_IFD] = exif.get_ifd(GPS_IFD)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    buffer = io.BytesIO()
    if fmt == "PNG" or (has_alpha and fmt != "JPEG"):
        if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            upright = upright.convert("RGBA" if has_alpha else "RGB")
        upright.save(buffer, "PNG", optimize=True, exif=out_exif.tobytes() if len(out_exif) else None)
        mime = "image/png"
    else:
        if upright.mode != "RGB":
            upright = upright.convert("RGB")
        kwargs = {"exif": out_exif.tobytes()} if len(out_exif) else {}
        upright.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, **kwargs)
        mime = "image/jpeg"
    out = buffer.getvalue()
    return ProcessedImage(
        out,
        mime,
        len(out),
        upright.width,
        upright.height,
        had_gps=had_gps,
        kept_gps=keep_gps and had_gps,
        downscaled=downscaled,
    )


def has_gps(data: bytes) -> bool:
    """Whether stored image bytes carry GPS EXIF data (for tests and the photo viewer)."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return GPS_IFD in exif and bool(exif.get_ifd(GPS_IFD))
