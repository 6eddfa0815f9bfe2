"""A waveform reduced to peaks, for drawing: the loudest sample of each column."""

from __future__ import annotations


def peaks(samples, columns: int):
    """`columns` values in 0..1 (max |sample| per column); fewer if there are fewer samples."""
    import numpy as np

    data = np.abs(np.asarray(samples, dtype=np.float32))
    if data.size == 0 or columns <= 0:
        return np.zeros(0, dtype=np.float32)
    columns = min(columns, data.size)
    edges = np.linspace(0, data.size, columns + 1).astype(np.int64)
    return np.maximum.reduceat(data, edges[:-1]).clip(0.0, 1.0)


def loudness_dbfs(samples) -> float:
    """RMS level in dB relative to full scale (-inf for silence)."""
    import numpy as np

    data = np.asarray(samples, dtype=np.float64)
    rms = float(np.sqrt(np.mean(data ** 2))) if data.size else 0.0
    return 20 * np.log10(rms) if rms > 0 else float("-inf")
