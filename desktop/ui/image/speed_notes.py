"""What the Image studio says about speed: about how long an image will take, worked out when
Generate is pressed (desktop/pipeline/image_estimate.py, on the thread pool), and afterwards
what made it — decoder, precision, runtime — with “Redo with the full decoder” one click away
after a fast (TAESD) decode. The estimate is corrected by the last image of the same model
made here (its real time over its estimate), as the Video studio does for clips."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QPushButton

REDO_LABEL = "Redo with the full decoder"


class SpeedNotes(QObject):
    estimated = Signal(str)   # the estimate's text, once worked out for the image just queued
    redo_requested = Signal(object)  # the request to run again with the full decoder

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.text = ""                 # the estimate of the image queued last ("" until known)
        self._ticket = 0
        self._raw: dict[int, float] = {}          # ticket -> the uncalibrated estimate
        self._calibration: dict[str, float] = {}  # model path -> real / estimated seconds
        self._asked: tuple | None = None          # (ticket, model path, request) of the queued image
        self._redo_request = None
        self.redo_button = QPushButton(REDO_LABEL)
        self.redo_button.setToolTip("The same seed and settings, decoded by the model's own VAE: sharper, "
                                    "and slower on a CPU")
        self.redo_button.hide()
        self.redo_button.clicked.connect(lambda: self._redo_request is not None
                                         and self.redo_requested.emit(self._redo_request))

    def estimate(self, model_path: str, request) -> None:
        """Work out the time for `request` on the thread pool; `estimated` says it."""
        from desktop.pipeline.image_estimate import estimate_seconds

        self._ticket += 1
        ticket, self.text = self._ticket, ""
        self._asked = (ticket, model_path, request)
        options = self.services.engine_options()
        folders, found, precision = list(options.model_dirs), options.found_models, options.precision
        self.services.background.run(lambda: estimate_seconds(model_path, request, precision, folders, found),
                                     lambda seconds: self._show(ticket, model_path, seconds),
                                     lambda _exc: None)  # no estimate is no harm: the image still runs

    def _show(self, ticket: int, model_path: str, seconds) -> None:
        from desktop.pipeline.image_estimate import describe

        if ticket != self._ticket or seconds is None:
            return
        self._raw = {ticket: seconds}  # only the image queued last is compared with its estimate
        calibration = self._calibration.get(model_path)
        self.text = describe(seconds * (calibration or 1.0), calibrated=calibration is not None)
        self.estimated.emit(self.text)

    def finished(self, outcome) -> str:
        """The words for what made the images of `outcome` (the image queued last), and the
        redo button shown when they were decoded by TAESD."""
        from desktop.core.image import runtime_choice

        items = getattr(outcome, "items", [])
        if not items:
            self.redo_button.hide()
            return ""
        ticket, model_path, request = self._asked or (0, "", None)
        raw = self._raw.pop(ticket, None)
        if raw:  # an image's own seconds leave the model's loading out
            self._calibration[model_path] = min(item.seconds for item in items) / raw
        item = items[-1]
        tiny = item.decoder == "tiny"
        self._redo_request = (dataclasses.replace(request, decoder="full", seed=items[0].seed, batch=len(items))
                              if tiny and request is not None else None)
        self.redo_button.setVisible(self._redo_request is not None)
        decoder = "fast decoder (TAESD)" if tiny else "full decoder"
        if item.tiny_missing:
            decoder += " — TAESD from Models › Catalog decodes faster"
        return f"{decoder} · {item.precision} · {runtime_choice.display_name(item.runtime)}"
