"""Photos are made upright, scaled down, stripped of GPS, and bad files are refused plainly."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from incident_desk.errors import ValidationError
from incident_desk.incidents import images


def jpeg(width: int = 64, height: int = 32, *, orientation: int | None = None, gps: bool = False) -> bytes:
    """A test photo: left half red, right half blue, with optional EXIF orientation and GPS."""
    im = Image.new("RGB", (width, height), "blue")
    im.paste((255, 0, 0), (0, 0, width // 2, height))
    exif = Image.Exif()
    if orientation:
        exif[images.ORIENTATION] = orientation
    if gps:
        exif[images.GPS_IFD] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes(), quality=95)
    return buf.getvalue()


def test_orientation_is_applied_and_gps_removed():
    raw = jpeg(64, 32, orientation=6, gps=True)
    assert images.has_gps(raw)
    out = images.process(raw, filename="phone.jpg")
    assert (out.width, out.height) == (32, 64)  # rotated 90°: portrait now
    assert out.mime_type == "image/jpeg" and out.size == len(out.data)
    assert out.had_gps and not out.kept_gps
    assert not images.has_gps(out.data)
    with Image.open(io.BytesIO(out.data)) as im:
        assert im.getexif().get(images.ORIENTATION) in (None, 1)
        # Orientation 6 rotates clockwise: the red left half ends up on top.
        r, _g, b = im.convert("RGB").getpixel((16, 5))
        assert r > 200 and b < 60


def test_gps_kept_when_asked():
    out = images.process(jpeg(gps=True), keep_gps=True)
    assert out.kept_gps and images.has_gps(out.data)


def test_huge_photo_is_downscaled():
    out = images.process(jpeg(3000, 1000), max_side=1200)
    assert (out.width, out.height) == (1200, 400) and out.downscaled


def test_png_stays_png_with_transparency():
    buf = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(buf, "PNG")
    out = images.process(buf.getvalue())
    assert out.mime_type == "image/png"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.4 not a picture", "is not a picture"),
        (b"", "is empty"),
    ],
)
def test_non_images_refused(data, words):
    with pytest.raises(ValidationError, match=words):
        images.process(data, filename="report.pdf")


def test_truncated_image_refused():
    data = jpeg(400, 300)
    with pytest.raises(ValidationError, match="damaged or incomplete"):
        images.process(data[: len(data) // 2], filename="cut.jpg")


def test_decompression_bomb_refused():
    # A tiny PNG whose header claims 20000 × 20000 pixels.
    buf = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buf, "PNG")
    assert len(buf.getvalue()) < 200_000
    with pytest.raises(ValidationError, match="too large"):
        images.process(buf.getvalue(), filename="bomb.png")
