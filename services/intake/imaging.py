"""Image work before OCR: safe loading, grayscale, deskew, threshold, PDF rasterising.

Pillow and numpy only (no OpenCV). Everything that decodes untrusted bytes is bounded: pixel
count, side length and page count are checked *before* pixels are decoded, and decoder errors
(truncated or corrupt files) become `OcrRefused` with a reason a person can read.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:
    from numpy.typing import NDArray

MAX_PIXELS = 40_000_000
"""Refuse images (and rendered PDF pages) above 40 megapixels; an A4 page at 600 dpi is 35 MP."""
MAX_SIDE = 20_000
MIN_SIDE = 32
MAX_PAGES = 20
IMAGE_FORMATS = ("JPEG", "PNG")
"""Pillow's JPEG opener also returns "MPO" images (JPEGs with extra pictures, from phones)."""

MAX_SKEW = 10.0
_SKEW_WORK_SIDE = 1200
"""Deskew measures on a copy whose long side is about this many pixels: fast and precise enough."""
_MIN_CORRECTION = 0.1
"""Smaller angles are not worth the resampling blur."""


class OcrRefused(ValueError):
    """A scan or photo we will not read; the message says why (for people, not machines)."""


def load_image(data: bytes) -> Image.Image:
    """Decode a PNG or JPEG with limits, EXIF orientation applied (phone photos)."""
    image = _open_bounded(data)
    try:
        image.load()
        return ImageOps.exif_transpose(image)
    except Exception as exc:  # Pillow raises many types for hostile input; all mean "refuse"
        raise OcrRefused(f"the image is truncated or corrupt ({_reason(exc)})") from exc


def _open_bounded(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise OcrRefused(f"the image claims too many pixels, a decompression bomb ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise OcrRefused("not a readable PNG or JPEG image") from exc
    except Exception as exc:
        raise OcrRefused(f"not a readable PNG or JPEG image ({_reason(exc)})") from exc
    check_dimensions(*image.size)
    return image


def check_dimensions(width: int, height: int) -> None:
    """Refuse sizes no invoice page has, before any pixel is decoded or rendered."""
    if width * height > MAX_PIXELS:
        raise OcrRefused(
            f"the image is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"the limit is {MAX_PIXELS / 1e6:.0f} megapixels"
        )
    if max(width, height) > MAX_SIDE:
        raise OcrRefused(
            f"the image is {width}x{height} pixels; the longest side may be {MAX_SIDE}"
        )
    if min(width, height) < MIN_SIDE:
        raise OcrRefused(f"the image is {width}x{height} pixels; too small to hold readable text")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


def to_grayscale(image: Image.Image) -> Image.Image:
    """8-bit grayscale; transparency is flattened onto white (not black) paper."""
    if image.mode == "L":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image.convert("I"), dtype=np.float64)
        peak = max(float(array.max()), 1.0)
        return Image.fromarray((array * (255.0 / peak)).astype(np.uint8))
    if image.mode == "P":
        image = image.convert("RGBA")
    if "A" in image.getbands():
        paper = Image.new("RGBA", image.size, (255, 255, 255, 255))
        paper.alpha_composite(image.convert("RGBA"))
        image = paper
    return image.convert("L")


def deskew(image: Image.Image) -> tuple[Image.Image, float]:
    """Straighten a slightly rotated page; returns the straightened image and the skew found.

    The skew is in degrees counter-clockwise (Pillow's `rotate` convention): a page scanned
    `rotate(1.5)` reports 1.5 and is turned back by -1.5. Only |skew| <= 10 is searched.
    Text lines make the horizontal projection profile spiky; it is spikiest at the right angle.
    """
    gray = to_grayscale(image)
    angle = estimate_skew(gray)
    if abs(angle) < _MIN_CORRECTION:
        return gray, angle
    straight = gray.rotate(-angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return straight, angle


def estimate_skew(gray: Image.Image) -> float:
    """Coarse-to-fine search of the projection-profile score on a downscaled binary copy."""
    ys, xs = _ink_coordinates(gray)
    if ys.size < 50:
        return 0.0
    best = _best_angle(ys, xs, np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5))
    best = _best_angle(ys, xs, np.arange(best - 0.5, best + 0.51, 0.05))
    return round(float(best), 2)


def _ink_coordinates(gray: Image.Image) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    scale = min(1.0, _SKEW_WORK_SIDE / max(gray.size))
    small = gray
    if scale < 1.0:
        size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
        small = gray.resize(size, Image.Resampling.BOX)
    pixels = np.asarray(small, dtype=np.uint8)
    ink = pixels < otsu_level(pixels)
    if ink.mean() > 0.5:  # white text on dark ground, or a photo of something else
        ink = ~ink
    ys, xs = np.nonzero(ink)
    centre_y, centre_x = (pixels.shape[0] - 1) / 2, (pixels.shape[1] - 1) / 2
    return ys.astype(np.float64) - centre_y, xs.astype(np.float64) - centre_x


def _best_angle(
    ys: NDArray[np.float64], xs: NDArray[np.float64], candidates: NDArray[np.float64]
) -> float:
    scores = [_profile_score(ys, xs, float(angle)) for angle in candidates]
    return float(candidates[int(np.argmax(scores))])


def _profile_score(ys: NDArray[np.float64], xs: NDArray[np.float64], angle: float) -> float:
    """Sum of squared row-to-row changes of ink counts after undoing `angle` (ccw, y down)."""
    theta = np.deg2rad(angle)
    rows = ys * np.cos(theta) + xs * np.sin(theta)
    bins = np.rint(rows - rows.min()).astype(np.int64)
    profile = np.bincount(bins).astype(np.float64)
    return float(np.sum(np.diff(profile) ** 2))


def otsu_level(pixels: NDArray[np.uint8]) -> int:
    """Otsu's global threshold: the gray level that best separates ink from paper."""
    histogram = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    total = histogram.sum()
    if total == 0:
        return 128
    levels = np.arange(256, dtype=np.float64)
    weight_dark = np.cumsum(histogram)
    weight_light = total - weight_dark
    sum_dark = np.cumsum(histogram * levels)
    mean_dark = np.divide(sum_dark, weight_dark, out=np.zeros(256), where=weight_dark > 0)
    mean_light = np.divide(
        sum_dark[-1] - sum_dark, weight_light, out=np.zeros(256), where=weight_light > 0
    )
    between = weight_dark * weight_light * (mean_dark - mean_light) ** 2
    return int(np.argmax(between)) + 1


def threshold(image: Image.Image, window: int = 0, k: float = 0.2) -> Image.Image:
    """Sauvola-lite binarisation, returned as mode "1" (black ink on white).

    Local thresholds survive uneven lighting (phone photos, shadows) where one global Otsu level
    would black out a corner. "Lite": the local mean and deviation, and so the threshold surface,
    are computed on a copy shrunk by window/8 and interpolated back, so a 300-dpi page costs a
    fraction of a second. A 3x3 box blur first tames scanner noise; the threshold never exceeds
    the page's Otsu level + 32, so flat paper does not turn into speckle; specks are removed last.
    """
    gray = to_grayscale(image).filter(ImageFilter.BoxBlur(1))
    pixels = np.asarray(gray, dtype=np.uint8)
    window = window or max(16, min(gray.size) // 40)
    factor = max(1, window // 8)
    mean, deviation = _local_statistics(_shrink(pixels, factor), max(1, round(window / factor)))
    local = mean * (1.0 + k * (deviation / 128.0 - 1.0))
    local = np.clip(np.minimum(local, otsu_level(pixels) + 32), 0, 255)
    surface = Image.fromarray(np.rint(local).astype(np.uint8)).resize(
        gray.size, Image.Resampling.BILINEAR
    )
    ink = pixels < np.asarray(surface, dtype=np.uint8)
    return Image.fromarray(~_despeckle(ink))


def _shrink(pixels: NDArray[np.uint8], factor: int) -> NDArray[np.float64]:
    """Block means of factor x factor cells (the ragged right and bottom edges are dropped)."""
    height, width = (pixels.shape[0] // factor) * factor, (pixels.shape[1] // factor) * factor
    cells = pixels[:height, :width].astype(np.float64)
    blocks = cells.reshape(height // factor, factor, width // factor, factor)
    means: NDArray[np.float64] = blocks.mean(axis=(1, 3))
    return means


def _local_statistics(
    values: NDArray[np.float64], window: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean and standard deviation over a window x window neighbourhood of every cell."""
    mean = _box_mean(values, window)
    mean_sq = _box_mean(values * values, window)
    return mean, np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))


def _box_mean(values: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """Mean over a window x window box around each cell (edges replicated), via integral image."""
    half = window // 2
    padded = np.pad(values, ((half + 1, window - half - 1), (half + 1, window - half - 1)), "edge")
    integral: NDArray[np.float64] = padded.cumsum(axis=0).cumsum(axis=1)
    height, width = values.shape
    total: NDArray[np.float64] = (
        integral[window : window + height, window : window + width]
        - integral[:height, window : window + width]
        - integral[window : window + height, :width]
        + integral[:height, :width]
    )
    return total / float(window * window)


def _despeckle(ink: NDArray[np.bool_], box: int = 5, most: int = 5) -> NDArray[np.bool_]:
    """Drop specks: ink pixels with at most `most` ink pixels in their box x box neighbourhood.

    Scanner pepper noise (1-2 pixel dots, 2x2 after upsampling) goes; strokes and full stops of
    body text have more ink around them and stay. Separable box sum in uint8 (box*box <= 255).
    """
    half = box // 2
    height, width = ink.shape
    padded = np.pad(ink, half).view(np.uint8)
    rows = np.zeros((height + 2 * half, width), dtype=np.uint8)
    for dx in range(box):
        rows += padded[:, dx : dx + width]
    count = np.zeros((height, width), dtype=np.uint8)
    for dy in range(box):
        count += rows[dy : dy + height, :]
    return ink & (count > most)


def looks_like_noise(binary: Image.Image) -> bool:
    """True for a thresholded image that cannot be a document page: ink everywhere, no gaps.

    Text pages are mostly paper (a few percent ink) with blank rows between lines and in the
    margins; random noise and textured photos put ink in every row. Deliberately conservative:
    it only spares Tesseract seconds of work on noise; the confidence filter decides the rest.
    """
    ink = ~np.asarray(binary.convert("1"), dtype=bool)
    if ink.size == 0 or ink.mean() < 0.05:
        return False
    blank_rows = float(np.mean(ink.mean(axis=1) < 0.01))
    return blank_rows < 0.02


def rasterise_pdf(data: bytes, dpi: int = 300, max_pages: int = MAX_PAGES) -> list[Image.Image]:
    """Render each page to an 8-bit grayscale image at `dpi` (image.info["dpi"] is set)."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise OcrRefused(_pdf_open_reason(exc)) from exc
    try:
        count = len(document)
        if count == 0:
            raise OcrRefused("the PDF has no pages")
        if count > max_pages:
            raise OcrRefused(f"the PDF has {count} pages; the limit is {max_pages}")
        return [_render_page(document, index, dpi) for index in range(count)]
    finally:
        document.close()


def _pdf_open_reason(exc: Exception) -> str:
    if "password" in str(exc).lower():
        return "the PDF is encrypted with a password; send it without protection"
    return f"the PDF is damaged or not a PDF ({_reason(exc)})"


def _render_page(document: pdfium.PdfDocument, index: int, dpi: int) -> Image.Image:
    try:
        page = document[index]
        try:
            width, height = page.get_size()
            check_dimensions(round(width * dpi / 72), round(height * dpi / 72))
            bitmap = page.render(scale=dpi / 72, grayscale=True, fill_color=(255, 255, 255, 255))
            image = to_grayscale(bitmap.to_pil().copy())  # own the pixels, not pdfium's buffer
            bitmap.close()
        finally:
            page.close()
    except OcrRefused as exc:
        raise OcrRefused(f"page {index + 1}: {exc}") from exc
    except pdfium.PdfiumError as exc:
        raise OcrRefused(
            f"page {index + 1} of the PDF cannot be rendered ({_reason(exc)})"
        ) from exc
    image.info["dpi"] = (dpi, dpi)
    return image
