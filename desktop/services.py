"""The application's long-lived non-widget objects, created once and shared by the UI.

No widgets: the store writer, background pool, inference thread, job queue, the lists of
text, image, upscaler, audio and video models, and settings. Exit comes in two parts:
`begin_shutdown()` on the GUI thread never waits; `wait_stopped()` waits, with a bound, once
no window is left. `shutdown()` does both (tests, scripts). Never terminate a thread.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop import model_access, playback
from desktop.core import hardware
from desktop.core.audio import audio_registry
from desktop.core.image import diffusion_registry, upscaler_registry
from desktop.core.jobs import EngineOptions, Studio
from desktop.core.model_registry import ADDED, Candidate
from desktop.core.text import gguf_registry
from desktop.core.video import video_registry
from desktop.job_options import engine_options, model_folders
from desktop.model_routing import AUDIO, IMAGE, TEXT, UPSCALER, VIDEO, files_for
from desktop.model_sources import OtherAppStores
from desktop.viewmodels.job_session import JobSession
from desktop.viewmodels.model_list import ModelListModel
from desktop.viewmodels.prompt_writer import PromptWriter
from desktop.viewmodels.settings_model import SettingsModel
from desktop.paths import DataLayout
from desktop.pipeline.runners import RUNNERS
from desktop.workers.background import Background
from desktop.workers.download_queue import DownloadQueue
from desktop.workers.inference_worker import InferenceThread
from desktop.workers.job_queue import JobQueue
from desktop.workers.store_writer import StoreWriter

log = logging.getLogger(__name__)


def _added(files) -> list[Candidate]:
    """Files a person added, as candidates for a registry's scan (used where they are)."""
    return [Candidate(str(path), ADDED) for path in files]


def _import_engines() -> None:
    import llama_cpp  # noqa: F401 - imported for its start-up cost only


def _prepare_rendering() -> None:
    from desktop.core.text import markdown_html

    markdown_html.warm_up()


def _prepare_audio_playback() -> None:
    """QtMultimedia's import and first use load FFmpeg and probe the audio devices (~0.5 s);
    done here, off the GUI thread, the Audio panel's player starts at once. Whether it can
    load at all (libpulse0, the audio extra) is decided here for every player (playback.py).
    The FFmpeg plugin logs from its library constructors: safe with Qt's own message handler,
    but a Python one (Atelier installs none) would run inside dlopen and could deadlock with
    a thread resolving a C symbol under the GIL (see tests/conftest.py)."""
    if not playback.can_play():
        return
    from PySide6.QtMultimedia import QMediaDevices

    QMediaDevices.audioOutputs()


def _prepare_fast_runtime() -> None:
    """OpenVINO's import and its CPU plugin's first load hold the GIL for ~0.2–0.4 s (measured
    in bench/image_conversion_stall.py: the first start's worst pause was this, not the
    conversion): paid here while idle, not in the middle of the first fast image."""
    from desktop.core.image import fast_runtime

    fast_runtime.available(fast_runtime.PREFERRED)


# Run on the inference thread once the window is up, before any job.
WARM_UP_TASKS = [_import_engines, _prepare_rendering, _prepare_audio_playback, _prepare_fast_runtime]


class Services(QObject):
    _warm_up = Signal(object)

    def __init__(self, settings: SettingsModel, data_dir: Path, runners: dict | None = None, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.layout = DataLayout(data_dir).ensure()
        self.store = StoreWriter(self.layout.root, self)
        self.background = Background(self)
        # The built-in model writing prompts (Enhance prompt, hand-offs, storyboards): on the pool,
        # never behind an image or video job on the inference thread.
        self.prompt_writer = PromptWriter(self.background, lambda: settings.get("cpu_threads"), self)
        budget = hardware.memory_budget_bytes(settings.get("memory_budget_mib"))
        log_hint = str(self.layout.logs / "atelier.log")
        self.inference = InferenceThread(self.store, runners or RUNNERS, budget, log_hint, self)
        self.queue = JobQueue(self.inference.worker, self)
        self.queue.library_changed.connect(self.store.announce)  # one broadcast: store.changed
        # Other apps' models (LM Studio, Ollama, the HF cache...): one disk walk per refresh
        # round, shared by the five lists; each list's scan runs on the thread pool.
        self.other_apps = OtherAppStores()
        self._new_other_apps_round()
        # Each list also scans the single files a person added (settings.model_files) that may be
        # its kind (model_routing.files_for, by name); its registry leaves out the others.
        self.models = ModelListModel(
            self.background, self._model_folders, lambda: self._model_files(TEXT), self,
            scan_fn=lambda folders, files: gguf_registry.scan(folders, files, found=self.other_apps.current().text()))
        self.image_models = ModelListModel(
            self.background, self._model_folders, lambda: self._model_files(IMAGE), self,
            scan_fn=lambda folders, files: diffusion_registry.scan(
                folders, [*_added(files), *self.other_apps.current().image()]),
            inspect_fn=diffusion_registry.inspect)
        self.upscalers = ModelListModel(
            self.background, self._model_folders, lambda: self._model_files(UPSCALER), self,
            scan_fn=lambda folders, files: upscaler_registry.scan(
                folders, [*_added(files), *self.other_apps.current().upscalers()]),
            inspect_fn=upscaler_registry.inspect)
        self.audio_models = ModelListModel(
            self.background, self._model_folders, lambda: self._model_files(AUDIO), self,
            scan_fn=lambda folders, files: audio_registry.scan(
                folders, [*_added(files), *self.other_apps.current().audio()]),
            inspect_fn=audio_registry.inspect)
        # Video: motion adapters, AnimateDiff bases (SD 1.5 folders, other apps' included), SVD, LTX.
        self.video_models = ModelListModel(
            self.background, self._model_folders, lambda: self._model_files(VIDEO), self,
            scan_fn=lambda folders, files: video_registry.scan(
                folders, [*_added(files), *self.other_apps.current().image()]),
            inspect_fn=video_registry.inspect)
        self.downloads = DownloadQueue(settings, self.downloader, lambda: settings.save_in_background(self.background),
                                       self)
        settings.changed.connect(self._on_setting_changed)
        self._warm_up.connect(self.inference.worker.warm_up)  # queued to the worker thread
        self._stopping = False
        self._closed = False

    def _model_folders(self) -> list[Path]:
        return model_folders(self.settings.snapshot(), self.layout.models)

    def _model_files(self, studio: str) -> list[Path]:
        """The added files `studio`'s list may take, told by name (no disk access: GUI thread)."""
        return files_for(studio, self.settings.get("model_files"))

    def model_lists(self) -> dict:
        """model_routing's studio key -> that studio's model list (where an added model goes)."""
        return {TEXT: self.models, IMAGE: self.image_models, UPSCALER: self.upscalers, AUDIO: self.audio_models,
                VIDEO: self.video_models}

    def _new_other_apps_round(self) -> None:
        """The next list scan walks the other apps' stores again, with the settings as they are
        now (read here, on the GUI thread; the walk itself runs on the thread pool)."""
        self.other_apps.new_round(self.settings.get("other_app_dirs"), self.settings.get("hidden_models"))

    def _on_setting_changed(self, name: str) -> None:
        if name in ("model_dirs", "model_files", "models_dir", "other_app_dirs", "hidden_models"):
            self.rescan_models()
        elif name == "memory_budget_mib":
            # The cache belongs to the worker thread: the budget travels there and evicts at once.
            self.inference.set_budget(hardware.memory_budget_bytes(self.settings.get(name)))

    def rescan_models(self) -> None:
        """Every model list scans again (on the thread pool), the other apps' stores included,
        walked once for the five lists."""
        self._new_other_apps_round()
        for models in self.model_lists().values():
            models.refresh()

    def warm_up(self) -> None:
        """Idle-time preparation after the first paint, so the first job does not pay for
        it on the GUI thread (queued ahead of any job on the inference thread)."""
        self._warm_up.emit(list(WARM_UP_TASKS))

    def models_folder(self) -> Path:
        """Where downloads go (the Models folder setting, else <data>/models)."""
        return model_access.models_folder(self.settings.snapshot(), self.layout.root)

    def downloader(self):
        """A Downloader on the settings as they are now; the Offline switch is read at each request."""
        return model_access.downloader(self.settings.snapshot(), self.layout.root,
                                       offline=lambda: self.settings.get("offline"))

    def engine_options(self) -> EngineOptions:
        """A job's engine options from the settings as they are when it is queued (the CLI
        builds them with the same function)."""
        others = self.other_apps.latest()  # the last scan: nothing is walked here, on the GUI thread
        return engine_options(self.settings.snapshot(), self.layout.models,
                              found=(*others.image(), *others.tiny_autoencoders()))

    def job_session(self, studio: Studio, parent=None) -> JobSession:
        """An observable job session for one studio's panel."""
        return JobSession(self.queue, self.engine_options, studio, parent)

    def begin_shutdown(self) -> None:
        """The GUI thread's part of quitting (aboutToQuit); returns at once. Jobs are cancelled
        and the worker unloads and stops when the job in hand returns, which a model load in
        C code can delay by seconds."""
        if self._stopping:
            return
        self._stopping = True
        self.downloads.close()  # the running download pauses: its partial files wait for next time
        self.prompt_writer.close()
        self.queue.close()
        self.inference.request_stop()
        try:
            self.settings.save()
        except OSError as exc:
            log.error("Could not save settings: %s", exc)

    def wait_stopped(self, timeout_s: float) -> bool:
        """Wait up to timeout_s for the worker, then the pool, then close the library. False if
        the worker is still busy: the library stays open for that job's row."""
        if self._closed:
            return True
        self.begin_shutdown()
        deadline = time.monotonic() + timeout_s
        if not self.inference.wait(int(timeout_s * 1000)):
            return False
        self.background.wait(max(0, min(10000, int((deadline - time.monotonic()) * 1000))))
        self.prompt_writer.release_model()  # its answer may never reach the GUI thread now
        self.store.close()
        self._closed = True
        return True

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Both parts at once, for callers with no window to keep responsive."""
        if not self.wait_stopped(timeout_s):
            log.error("The inference thread did not stop in time")
