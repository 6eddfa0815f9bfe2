"""OpenVINO underneath the optional fast runtime: torch modules converted once to OpenVINO IR
files kept on disk, compiled for the CPU through OpenVINO's own blob cache (CACHE_DIR), so a
second start neither converts nor compiles from scratch.

Why the IR is keyed by the weights' content and not their file: the same UNet class is loaded
from folders, single files (whose config folder is shared by many checkpoints) and may be
changed in memory; a sampled digest of every tensor tells them apart in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

IR_FORMAT = 2          # bump when the traced graphs change: old IR files are then ignored
SAMPLE_STRIDE = 97     # one element in 97 of each large tensor goes into the digest
SMALL_TENSOR = 65536   # tensors up to this many elements are hashed whole

# Atelier's precision names -> OpenVINO's inference precision and the capability it needs.
PRECISIONS = {"fp32": ("f32", "FP32"), "bf16": ("bf16", "BF16"), "fp16": ("f16", "FP16")}


def openvino():
    import openvino as ov  # imported late: an optional extra

    return ov


def weights_digest(module) -> str:
    """A digest of every tensor's name, shape, dtype and a strided sample of its values."""
    import torch

    digest = hashlib.blake2b(digest_size=16)
    with torch.no_grad():
        for name, tensor in sorted(module.state_dict().items()):
            flat = tensor.detach().reshape(-1)
            digest.update(f"{name}|{tuple(tensor.shape)}|{tensor.dtype}".encode())
            sample = flat if flat.numel() <= SMALL_TENSOR else flat[::SAMPLE_STRIDE]
            digest.update(sample.contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def model_key(kind: str, module, inputs: tuple[str, ...]) -> str:
    """What the converted IR depends on: the graph's kind and inputs, the module's class,
    config and weights, and the OpenVINO version that wrote it."""
    config = getattr(module, "config", {})
    described = json.dumps({
        "format": IR_FORMAT, "kind": kind, "inputs": inputs, "class": type(module).__name__,
        "config": {k: v for k, v in dict(config).items() if not k.startswith("_")},
        "dtype": str(next(module.parameters()).dtype), "weights": weights_digest(module),
        "openvino": openvino().__version__.split("-")[0],
    }, sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(described.encode()).hexdigest()[:20]}"


class ModelStore:
    """IR files under `root/<key>/model.xml`, written once through a temporary folder renamed
    at the end (an interrupted conversion leaves nothing a later start would trust)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key / "model.xml"

    def has(self, key: str) -> bool:
        return self.path(key).is_file() and self.path(key).with_suffix(".bin").is_file()

    def convert(self, key: str, graph, example_input: dict) -> Path:
        """Trace `graph` (a torch module taking the tensors of `example_input` positionally)
        and save it as IR with those inputs' names; weights kept in their own precision (no
        fp16 compression: fp32 mode must equal torch)."""
        import torch

        ov = openvino()
        self.root.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=self.root))
        try:
            started = time.perf_counter()
            with torch.no_grad(), warnings.catch_warnings():
                # diffusers' shape checks (batch >= 64, > 2^31 elements) fold into constants: true
                # for every shape an image here can have, so the tracer's warnings are noise.
                warnings.simplefilter("ignore", torch.jit.TracerWarning)
                model = ov.convert_model(graph, example_input=tuple(example_input.values()))
            for port, name in zip(model.inputs, example_input):
                port.get_tensor().set_names({name})
            ov.save_model(model, str(partial / "model.xml"), compress_to_fp16=False)
            del model
            _clear_torchscript_cache()
            target = self.path(key).parent
            if target.exists():  # another start converted it meanwhile
                shutil.rmtree(partial, ignore_errors=True)
            else:
                os.replace(partial, target)
            log.info("converted %s for OpenVINO in %.1f s", key, time.perf_counter() - started)
        finally:
            if partial.exists():
                shutil.rmtree(partial, ignore_errors=True)
        return self.path(key)


def _clear_torchscript_cache() -> None:
    """Tracing registers every traced class in TorchScript's global tables: forget them so a
    conversion does not keep the torch graph's memory alive (as OpenVINO's notebooks do)."""
    import torch

    try:
        torch._C._jit_clear_class_registry()
        torch.jit._recursive.concrete_type_store = torch.jit._recursive.ConcreteTypeStore()
        torch.jit._state._clear_class_state()
    except AttributeError:  # private API moved: only memory is at stake
        pass


class CompiledGraph:
    """One IR file compiled once for the CPU, with dynamic shapes: measured on the SD-Turbo
    UNet (bf16, 2 cores), a static compile per image size ran ~5 % faster but held another
    1.9 GB of weights for each size and took 8–12 s per new size; the dynamic one serves
    every size from one copy and adapts to a new one in about a step's time."""

    def __init__(self, xml: Path, compiled_cache: Path, precision: str, threads: int):
        ov = openvino()
        core = ov.Core()
        hint = inference_precision(core, precision)
        # One blob folder per precision: OpenVINO 2026.4 sharing one between an f32 and a bf16
        # compile of the same model gave the bf16 one NaNs (reproduced on the tiny UNet).
        (compiled_cache / hint).mkdir(parents=True, exist_ok=True)
        core.set_property({"CACHE_DIR": str(compiled_cache / hint)})
        started = time.perf_counter()
        self.compiled = core.compile_model(str(xml), "CPU", {
            "INFERENCE_PRECISION_HINT": hint, "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": "1",
            "INFERENCE_NUM_THREADS": str(max(1, threads))})
        log.info("compiled %s (%s) in %.1f s", Path(xml).parent.name, hint, time.perf_counter() - started)
        self.input_names = [port.get_any_name() for port in self.compiled.inputs]
        self.shapes_seen: set[tuple] = set()
        self._request = self.compiled.create_infer_request()
        self._lock = threading.Lock()

    def run(self, tensors: dict):
        """Run on numpy float32 arrays named as the IR's inputs; the first output, copied."""
        with self._lock:
            self.shapes_seen.add(tuple(tuple(tensors[name].shape) for name in self.input_names))
            self._request.infer({name: tensors[name] for name in self.input_names}, share_inputs=True)
            return self._request.get_output_tensor(0).data.copy()


def inference_precision(core, precision: str) -> str:
    """OpenVINO's precision for Atelier's choice; f32 when the CPU lacks the narrower type
    (and always stated: OpenVINO's own default on a bf16-capable CPU is bf16, not f32)."""
    hint, capability = PRECISIONS.get(precision, PRECISIONS["fp32"])
    if capability not in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
        log.info("this CPU has no native %s: OpenVINO runs in f32", precision)
        return "f32"
    return hint
