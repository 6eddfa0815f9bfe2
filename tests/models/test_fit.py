"""Whether a model fits: the verdicts at their thresholds, the language-model and diffusion
formulas, catalog entries, a machine with a GPU, the text shown, and how the machine is read."""

from __future__ import annotations

import ctypes
import sys
import types

import pytest

from desktop.core.models import catalog, fit, machine as machine_module
from desktop.core.models.fit import FITS, TIGHT, TOO_BIG, UNKNOWN, Gpu, Machine

GB = 10**9
MIB = 1024 * 1024


def box(available: int = 10 * GB, total: int = 16 * GB, budget: int | None = None, gpu: Gpu | None = None,
        bf16: bool = False, reclaimable: int = 0) -> Machine:
    return Machine(total, available, budget if budget is not None else total, gpu, bf16, reclaimable)


# -- verdicts ---------------------------------------------------------------------------

@pytest.mark.parametrize("need, verdict", [
    (1, FITS), (7 * GB, FITS), (7 * GB + 1, TIGHT), (9_500_000_000, TIGHT), (9_500_000_001, TOO_BIG), (40 * GB, TOO_BIG),
])
def test_the_verdict_changes_at_70_and_95_percent_of_the_free_memory(need, verdict):
    assert fit.judge(need, None, box(available=10 * GB)).verdict == verdict


def test_the_models_atelier_would_unload_count_as_room():
    assert fit.judge(12 * GB, None, box(available=10 * GB)).verdict == TOO_BIG
    estimate = fit.judge(12 * GB, None, box(available=10 * GB, reclaimable=8 * GB))
    assert estimate.verdict == FITS and estimate.ram_room_bytes == 18 * GB


def test_a_model_over_the_memory_budget_is_tight_even_with_room_to_spare():
    estimate = fit.judge(3 * GB, None, box(available=10 * GB, budget=2 * GB))
    assert estimate.verdict == TIGHT
    assert "Memory for loaded models" in estimate.reason and "2.0 GB" in estimate.reason


def test_too_big_says_whether_closing_apps_could_help():
    busy = fit.judge(9 * GB, None, box(available=4 * GB, total=16 * GB))
    assert busy.refused and "closing other apps" in busy.reason
    small = fit.judge(20 * GB, None, box(available=14 * GB, total=16 * GB))
    assert small.refused and "16.0 GB of RAM" in small.reason


def test_on_a_gpu_machine_the_worse_of_ram_and_gpu_memory_decides():
    gpu = Gpu("RTX test", total_bytes=8 * GB, free_bytes=6 * GB)
    roomy = box(available=30 * GB, total=32 * GB, gpu=gpu)
    assert fit.judge(4 * GB, 4 * GB, roomy).verdict == FITS
    assert fit.judge(4 * GB, 5 * GB, roomy).verdict == TIGHT
    too_big = fit.judge(4 * GB, 7 * GB, roomy)
    assert too_big.verdict == TOO_BIG and "GPU" in too_big.reason
    # Only the total known (NVML without free memory): judged against the total.
    assert box(gpu=Gpu("x", 8 * GB)).vram_room_bytes == 8 * GB


# -- formulas ---------------------------------------------------------------------------

def test_a_language_model_needs_its_file_its_kv_cache_and_llama_cpp_buffers():
    assert fit.language_model_bytes(500 * MIB, 12288, 8192) == 500 * MIB + 12288 * 8192 + 300 * MIB
    short = fit.for_language_model(2 * GB, 114688, 4096, box())
    long = fit.for_language_model(2 * GB, 114688, 65536, box())
    assert long.ram_bytes - short.ram_bytes == 114688 * (65536 - 4096)
    assert short.verdict == FITS and long.verdict == TOO_BIG  # 2 GB + 7.5 GB of cache: over 95 % of 10 GB free
    assert short.vram_bytes is None  # no GPU: nothing asked of one


def test_a_language_model_on_a_gpu_needs_the_same_figure_in_gpu_memory():
    estimate = fit.for_language_model(2 * GB, 114688, 4096, box(gpu=Gpu("g", 12 * GB, 11 * GB)))
    assert estimate.vram_bytes == estimate.ram_bytes == fit.language_model_bytes(2 * GB, 114688, 4096)


def test_image_activations_grow_with_the_pixels_and_shrink_in_16_bit():
    small, big = fit.diffusion_activation_bytes(512, 512), fit.diffusion_activation_bytes(1024, 1024)
    for side, measured_mib in ((256, 366), (512, 1011), (768, 2303), (1024, 3871)):  # fp32 VAE decodes here
        assert measured_mib * MIB <= fit.diffusion_activation_bytes(side, side) <= 1.12 * measured_mib * MIB
    assert abs((big - small) - fit.ACTIVATION_BYTES_PER_PIXEL * (1024**2 - 512**2)) <= 1
    half = fit.diffusion_activation_bytes(512, 512, 2)
    assert abs(half - small * fit.HALF_PRECISION_ACTIVATIONS) <= 1
    assert 658 * MIB <= half < small  # measured in bfloat16 at 512²


def test_a_diffusion_model_needs_its_weights_and_the_activations_at_the_image_size():
    weights = 3 * GB
    at_512 = fit.for_diffusion(weights, 512, 512, 4, box())
    assert at_512.ram_bytes == weights + fit.diffusion_activation_bytes(512, 512, 4)
    at_1024 = fit.for_diffusion(weights, 1024, 1024, 4, box())
    assert at_1024.ram_bytes - at_512.ram_bytes == pytest.approx(fit.ACTIVATION_BYTES_PER_PIXEL * 3 * 512**2, abs=1)
    on_gpu = fit.for_diffusion(weights, 512, 512, 4, box(available=30 * GB, total=32 * GB, gpu=Gpu("g", 8 * GB, 8 * GB)))
    assert on_gpu.ram_bytes == weights // 2  # the fp16 weights pass through RAM
    assert on_gpu.vram_bytes == weights // 2 + fit.diffusion_activation_bytes(512, 512, 2)


# -- catalog entries --------------------------------------------------------------------

def entry(entry_id: str):
    return catalog.by_id(entry_id)


def test_a_catalog_language_model_at_its_recommended_context_matches_the_catalog_figure():
    qwen = entry("qwen2.5-1.5b-instruct")  # the Q4_K_M file's exact size is in the catalog
    estimate = fit.for_entry(qwen, box())
    assert abs(estimate.ram_bytes - qwen.memory.ram_mb * MIB) < MIB
    longer = fit.for_entry(qwen, box(), context=32768)
    assert longer.ram_bytes - estimate.ram_bytes == qwen.memory.kv_cache_bytes_per_token * (32768 - 8192)
    assert fit.for_entry(qwen, box(), quant="Q8_0").ram_bytes > estimate.ram_bytes


def test_a_language_model_known_only_by_its_displayed_size_is_estimated_from_it():
    small = entry("qwen2.5-0.5b-instruct")  # sizes only as shown on the hub page ("491 MB")
    estimate = fit.for_entry(small, box())
    assert estimate.ram_bytes == fit.language_model_bytes(491_000_000, 12288, 8192)


def test_an_entry_whose_sizes_are_unknown_says_so_instead_of_guessing():
    coder = entry("qwen2.5-coder-1.5b-instruct")
    estimate = fit.for_entry(coder, box())
    assert estimate.verdict == UNKNOWN and estimate.ram_bytes is None
    assert "not known" in estimate.text()


def test_an_image_entry_at_its_recommended_size_matches_the_catalog_and_grows_with_the_size():
    turbo = entry("sd-turbo")
    fp32_cpu = box(available=20 * GB, total=32 * GB)
    assert fit.for_entry(turbo, fp32_cpu).ram_bytes == pytest.approx(turbo.memory.ram_mb * MIB, abs=4)
    bigger = fit.for_entry(turbo, fp32_cpu, width=1024, height=1024)
    assert bigger.ram_bytes - turbo.memory.ram_mb * MIB == pytest.approx(
        fit.ACTIVATION_BYTES_PER_PIXEL * 3 * 512**2, abs=4)
    bf16_cpu = box(available=20 * GB, total=32 * GB, bf16=True)
    assert fit.for_entry(turbo, bf16_cpu).ram_bytes < 0.6 * turbo.memory.ram_mb * MIB
    gpu = box(available=20 * GB, total=32 * GB, gpu=Gpu("g", 8 * GB, 8 * GB))
    assert fit.for_entry(turbo, gpu).vram_bytes == pytest.approx(turbo.memory.vram_mb * MIB, abs=4)


def test_sdxl_base_is_too_big_for_an_8_gb_laptop_and_fits_a_32_gb_desktop():
    sdxl = entry("stable-diffusion-xl-base-1.0")
    laptop = box(available=5 * GB, total=8 * GB, budget=4 * GB)
    desktop = box(available=26 * GB, total=32 * GB, budget=24 * GB)
    assert fit.for_entry(sdxl, laptop).verdict == TOO_BIG
    assert fit.for_entry(sdxl, desktop).verdict == FITS


def test_other_models_use_the_catalog_figures():
    voice = entry("piper-en_US-lessac-medium")
    estimate = fit.for_entry(voice, box(gpu=Gpu("g", 8 * GB, 8 * GB)))
    assert estimate.ram_bytes == voice.memory.ram_mb * MIB
    assert estimate.vram_bytes is None  # Piper runs on the CPU: nothing asked of the GPU


def test_every_catalog_entry_gets_an_estimate_or_says_it_cannot():
    for item in catalog.load().entries:
        estimate = fit.for_entry(item, box())
        assert estimate.verdict in (FITS, TIGHT, TOO_BIG, UNKNOWN)
        assert (estimate.ram_bytes is None) == (estimate.verdict == UNKNOWN)


# -- the text shown ---------------------------------------------------------------------

def test_the_text_gives_the_numbers_as_an_approximation_and_the_verdict():
    estimate = fit.judge(5_100_000_000, None, box(available=15_600_000_000))
    assert estimate.text() == "needs about 5.1 GB of 15.6 GB free — fits"
    gpu = fit.judge(2_600_000_000, 3_000_000_000, box(available=15_600_000_000, gpu=Gpu("g", 8 * GB, 7_800_000_000)))
    assert gpu.text() == "needs about 3.0 GB of 7.8 GB free GPU memory and 2.6 GB of 15.6 GB free RAM — fits"
    tiny = fit.judge(12_000_000, None, box())
    assert "about 0.01 GB" in tiny.text()


# -- the machine ------------------------------------------------------------------------

def test_this_machine_reads_its_ram_and_budget():
    here = fit.this_machine()
    assert 0 < here.available_ram_bytes <= here.total_ram_bytes
    assert here.budget_bytes == here.total_ram_bytes // 2
    assert fit.this_machine(budget_setting_mib=1024).budget_bytes == 1024 * MIB


def test_a_torch_that_is_not_running_cuda_is_not_asked(monkeypatch):
    asked = []

    class Cuda:
        def is_initialized(self):
            return False

        def mem_get_info(self, index):
            asked.append(index)

    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=Cuda()))
    assert machine_module._gpu_from_torch() is None and asked == []


def test_a_torch_running_cuda_gives_the_gpu_and_its_free_memory(monkeypatch):
    class Cuda:
        def is_initialized(self):
            return True

        def mem_get_info(self, index):
            return 5 * GB, 8 * GB

        def get_device_name(self, index):
            return "NVIDIA Test"

    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=Cuda()))
    assert machine_module.detect_gpu() == Gpu("NVIDIA Test", 8 * GB, 5 * GB)


class FakeNvml:
    """NVML's C functions as ctypes calls them: status 0, results written through pointers."""

    def __init__(self, init_status=0):
        self.init_status, self.shut = init_status, False

    def nvmlInit_v2(self):
        return self.init_status

    def nvmlDeviceGetHandleByIndex_v2(self, index, handle):
        handle._obj.value = 1234
        return 0

    def nvmlDeviceGetMemoryInfo(self, handle, memory):
        memory._obj.total, memory._obj.free = 12 * GB, 9 * GB
        return 0

    def nvmlDeviceGetName(self, handle, buffer, length):
        ctypes.memmove(buffer, b"NVIDIA GeForce Test\0", 20)
        return 0

    def nvmlShutdown(self):
        self.shut = True
        return 0


def test_nvml_gives_the_gpu_name_and_memory_and_is_shut_down():
    library = FakeNvml()
    assert machine_module.read_nvml(library) == Gpu("NVIDIA GeForce Test", 12 * GB, 9 * GB)
    assert library.shut


def test_no_nvidia_driver_means_no_gpu():
    assert machine_module.read_nvml(FakeNvml(init_status=9)) is None  # NVML_ERROR_DRIVER_NOT_LOADED
    assert machine_module.read_nvml(object()) is None                  # a library without NVML's functions
