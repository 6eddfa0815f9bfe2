"""Facts about this machine that decide thread counts and memory budgets."""

from __future__ import annotations

import os

import psutil


def physical_cores() -> int:
    """Physical cores: llama.cpp and torch run fastest with one thread per core
    (llama-cpp-python's own default is half the logical CPUs, which wastes cores here)."""
    count = psutil.cpu_count(logical=False) or os.cpu_count() or 1
    return max(1, count)


def threads_from_setting(value: int) -> int:
    return value if value and value > 0 else physical_cores()


def total_ram_bytes() -> int:
    return psutil.virtual_memory().total


def memory_budget_bytes(setting_mib: int) -> int:
    if setting_mib and setting_mib > 0:
        return setting_mib * 1024 * 1024
    return total_ram_bytes() // 2


def cpu_has_native_bf16(cpuinfo: str | None = None) -> bool:
    """True when the CPU computes bfloat16 natively (AMX or AVX512-BF16): then bf16 halves
    memory at little speed cost; elsewhere it is emulated and slower than fp32."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as handle:
                cpuinfo = handle.read()
        except OSError:
            return False
    flags = set(cpuinfo.split())
    return bool(flags & {"amx_bf16", "avx512_bf16"})
