"""Opening images that people drop or pass in: anything wrong gets a clear message."""

from __future__ import annotations

import warnings
from pathlib import Path

from desktop.core.errors import UserFacingError

# Decompression bombs: refuse images whose pixel count alone would exhaust memory.
MAX_PIXELS = 64 * 1024 * 1024


def open_image(path: str | Path):
    """A fully decoded RGB(A) PIL image, or UserFacingError saying why not."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.exists():
        raise UserFacingError(f"{path} does not exist.")
    if path.stat().st_size == 0:
        raise UserFacingError(f"{path.name} is empty (0 bytes), not an image.")
    try:
        with warnings.catch_warnings():
            # The size is checked below with a clearer message than Pillow's warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
        with image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise UserFacingError(
                    f"{path.name} is {width}×{height} pixels, too large to use as an image prompt "
                    f"(the limit is {MAX_PIXELS // 1_000_000} megapixels). Downscale it first.")
            image.load()  # decode now: a truncated file fails here, not later in a job
            return image.convert("RGBA" if "A" in image.getbands() else "RGB")
    except UserFacingError:
        raise
    except UnidentifiedImageError:
        raise UserFacingError(f"{path.name} is not an image Atelier can read (PNG, JPEG, WebP, …).") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise UserFacingError(f"{path.name} could not be read as an image ({exc}); it may be "
                              "truncated or damaged.") from None
    except Image.DecompressionBombError:
        raise UserFacingError(f"{path.name} declares an absurd size; refusing to decode it.") from None
