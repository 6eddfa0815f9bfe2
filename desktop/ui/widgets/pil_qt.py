"""PIL <-> QImage. QImage (unlike QPixmap) may be made on any thread, so decoding and
conversion happen off the GUI thread; only QPixmap.fromImage runs on it."""

from __future__ import annotations

from PySide6.QtGui import QImage


def pil_to_qimage(image) -> QImage:
    rgba = image.convert("RGBA")
    data = rgba.tobytes("raw", "RGBA")
    qimage = QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format_RGBA8888)
    return qimage.copy()  # own the pixels: `data` is freed when this function returns


def qimage_to_pil(qimage: QImage, mode: str = "RGB"):
    from PIL import Image

    converted = qimage.convertToFormat(QImage.Format_RGBA8888)
    width, height = converted.width(), converted.height()
    data = bytes(converted.constBits())[: converted.bytesPerLine() * height]
    image = Image.frombuffer("RGBA", (width, height), data, "raw", "RGBA", converted.bytesPerLine(), 1)
    return image.convert(mode)
