"""The image studio's name for the precision choice, which the video studio shares and which
therefore lives at core's root (desktop/core/precision.py). Kept for the importers outside
core (settings, the CLI parser, the image pipeline) until they import the root module."""

from desktop.core.precision import AUTO, PRECISIONS, resolve, torch_dtype  # noqa: F401
