"""Text throughput: the app's full path (job queue -> inference thread -> engine -> library
commit -> finished signal) against raw llama-cpp-python create_completion, same GGUF,
threads, context and greedy settings, interleaved. Target: app/raw >= 0.97.

    python bench/text_throughput.py [--model FILE.gguf] [--rounds 3] [--tokens 256 2048]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import default_model, median, run_and_wait, verdict

PROMPT = "Write a long story about a lighthouse keeper and the sea.\n\nOnce upon a time"


def raw_run(llm, max_tokens: int) -> tuple[int, float]:
    started = time.perf_counter()
    out = llm.create_completion(PROMPT, max_tokens=max_tokens, temperature=0, repeat_penalty=1.1)
    return out["usage"]["completion_tokens"], time.perf_counter() - started


def app_run(app, services, model: Path, max_tokens: int) -> tuple[int, float]:
    from desktop.core.jobs import Job, JobKind, JobOrigin, Studio
    from desktop.core.text.text_request import COMPLETION, Sampling, TextRequest

    job = Job(JobKind.TEXT, TextRequest(mode=COMPLETION, prompt=PROMPT,
                                  sampling=Sampling(temperature=0, max_tokens=max_tokens)), str(model),
              JobOrigin(Studio.TEXT), services.engine_options())
    seconds, outcome = run_and_wait(app, services, job)
    return outcome.result.completion_tokens, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, nargs="+", default=[256, 2048])
    parser.add_argument("--ctx", type=int, default=4096)
    args = parser.parse_args()
    model = args.model or default_model()

    import llama_cpp
    from PySide6.QtCore import QCoreApplication

    from desktop.core import hardware
    from desktop.viewmodels.settings_model import SettingsModel
    from desktop.services import Services
    from desktop.settings import Settings

    threads = hardware.physical_cores()
    app = QCoreApplication.instance() or QCoreApplication([])
    services = Services(SettingsModel(Settings(cpu_threads=threads, context_length=args.ctx)),
                        Path(tempfile.mkdtemp(prefix="atelier-bench-")))
    raw = llama_cpp.Llama(str(model), n_ctx=args.ctx, n_threads=threads, n_threads_batch=threads, verbose=False)
    print(f"model {model.name}, {threads} threads, n_ctx {args.ctx}, {args.rounds} interleaved rounds")
    try:
        app_run(app, services, model, 8)  # load + hash the model once, outside the timing
        raw_run(raw, 8)
        for max_tokens in args.tokens:
            raw_rates, app_rates = [], []
            for _ in range(args.rounds):
                n, seconds = raw_run(raw, max_tokens)
                raw_rates.append(n / seconds)
                n_app, seconds = app_run(app, services, model, max_tokens)
                app_rates.append(n_app / seconds)
                assert n_app == n, f"app made {n_app} tokens, raw {n}"
            ratio = median(app_rates) / median(raw_rates)
            print(f"{max_tokens:>5} new tokens ({n} made): raw {median(raw_rates):6.1f} tok/s, "
                  f"app {median(app_rates):6.1f} tok/s, ratio {ratio:.3f} (target >= 0.97) {verdict(ratio >= 0.97)}")
    finally:
        raw.close()
        services.shutdown()


if __name__ == "__main__":
    main()
