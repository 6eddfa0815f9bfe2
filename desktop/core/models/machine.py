"""What this machine offers a model: RAM (total, available now, the app's budget) and, where
there is one, a GPU's memory. Read without Qt, without a subprocess and without importing
torch, so the Models window can ask on the GUI thread.

What is detected, and how:
- RAM: psutil. `available` is the OS's own figure (Linux MemAvailable: free memory plus the
  page cache it can drop), i.e. what a new model can take without pushing anything to swap.
- GPU (NVIDIA / CUDA only: the engines use CUDA or the CPU, nothing else):
  1. when torch is already imported and has initialised CUDA (the worker ran a model on the
     GPU), torch's own device name, total memory and `mem_get_info` free memory;
  2. otherwise NVIDIA's management library (libnvidia-ml, which the driver installs) through
     ctypes: name, total and free memory, read once and remembered — the driver's answer,
     a few milliseconds, no CUDA context made;
  3. otherwise no GPU. AMD/Intel GPUs and Apple's unified memory are reported as no GPU: the
     diffusion engine runs on the CPU there, and on a Mac llama.cpp's Metal shares the RAM
     this module already counts.
  A GPU found here does not promise that the installed torch / llama.cpp build uses it (a
  CPU-only wheel does not); the fit shows both needs, and a load is only refused for RAM.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from dataclasses import dataclass, replace
from functools import lru_cache

import psutil

from desktop.core import hardware


@dataclass(frozen=True)
class Gpu:
    name: str
    total_bytes: int
    free_bytes: int | None = None  # None when only the total is known


@dataclass(frozen=True)
class Machine:
    total_ram_bytes: int
    available_ram_bytes: int
    budget_bytes: int                 # the app's memory budget for loaded models (Settings)
    gpu: Gpu | None = None
    native_bf16: bool = False         # the CPU computes bfloat16 natively: images run in bf16
    reclaimable_bytes: int = 0        # Atelier's own loaded models, unloaded first to make room

    @property
    def room_bytes(self) -> int:
        """RAM a new model may take: what is available plus what unloading Atelier's other
        models would give back."""
        return self.available_ram_bytes + self.reclaimable_bytes

    @property
    def vram_room_bytes(self) -> int | None:
        if self.gpu is None:
            return None
        return self.gpu.free_bytes if self.gpu.free_bytes is not None else self.gpu.total_bytes

    def with_reclaimable(self, reclaimable_bytes: int) -> "Machine":
        return replace(self, reclaimable_bytes=max(0, reclaimable_bytes))


def this_machine(budget_setting_mib: int = 0) -> Machine:
    """The machine now. `budget_setting_mib` is Settings › Memory for loaded models
    (0: half the RAM, as the model cache does)."""
    memory = psutil.virtual_memory()
    return Machine(total_ram_bytes=memory.total, available_ram_bytes=memory.available,
                   budget_bytes=hardware.memory_budget_bytes(budget_setting_mib),
                   gpu=detect_gpu(), native_bf16=_native_bf16())


@lru_cache(maxsize=1)
def _native_bf16() -> bool:
    return hardware.cpu_has_native_bf16()


def detect_gpu() -> Gpu | None:
    torch_gpu = _gpu_from_torch()
    return torch_gpu if torch_gpu is not None else _gpu_from_nvml()


def _gpu_from_torch() -> Gpu | None:
    """Only a torch that is already loaded and has CUDA running: asking an idle torch would
    import it (seconds) or create a CUDA context (hundreds of MB of VRAM)."""
    torch = sys.modules.get("torch")
    cuda = getattr(torch, "cuda", None)
    try:
        if cuda is None or not cuda.is_initialized():
            return None
        free, total = cuda.mem_get_info(0)
        return Gpu(cuda.get_device_name(0), int(total), int(free))
    except Exception:  # a broken driver must not break a fit hint
        return None


@lru_cache(maxsize=1)
def _gpu_from_nvml() -> Gpu | None:
    name = ctypes.util.find_library("nvidia-ml") or ("nvml.dll" if sys.platform == "win32" else "libnvidia-ml.so.1")
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return None
    return read_nvml(library)


class _NvmlMemory(ctypes.Structure):
    _fields_ = [("total", ctypes.c_ulonglong), ("free", ctypes.c_ulonglong), ("used", ctypes.c_ulonglong)]


def read_nvml(library) -> Gpu | None:
    """The first NVIDIA GPU's name and memory from an NVML library object (ctypes.CDLL)."""
    try:
        if library.nvmlInit_v2() != 0:
            return None
        try:
            handle = ctypes.c_void_p()
            if library.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(handle)) != 0:
                return None
            memory = _NvmlMemory()
            if library.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)) != 0:
                return None
            name = ctypes.create_string_buffer(96)
            named = library.nvmlDeviceGetName(handle, name, ctypes.c_uint(96)) == 0
            label = name.value.decode("utf-8", "replace") if named and name.value else "NVIDIA GPU"
            return Gpu(label, int(memory.total), int(memory.free))
        finally:
            library.nvmlShutdown()
    except (AttributeError, OSError, ValueError):
        return None
