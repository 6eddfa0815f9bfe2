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
