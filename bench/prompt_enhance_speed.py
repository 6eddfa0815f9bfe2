"""Enhance prompt speed: the expansion of a one-line prompt by the built-in Gemma 3 270M, through
the app's own path (PromptWriter.write -> pool thread -> the model loaded as the app loads it ->
the `written` signal on the GUI thread), against raw llama-cpp-python evaluating the same
opening and sampling the same number of tokens, interleaved in one run.

Target (issue 15): an expansion finishes in under a second on this machine, the model loaded
(it stays loaded once the first request has loaded it). The first request, which loads the
model and reads the few-shot examples, is printed apart, and so is a first request after
prepare() (what resting the pointer on the Enhance button does).

    python bench/prompt_enhance_speed.py [--rounds 2] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import time

from common import default_model, median, verdict

TARGET_S = 1.0
PROMPTS = {
    "image": ["a red fox in the snow", "a lighthouse on a cliff", "two robots playing chess",
              "a bowl of ramen", "portrait of a young witch"],
    "video": ["waves on a beach", "a dragon flying over a village", "a busy market at dawn"],
}


def app_expansion(app, writer, prompt: str, kind: str, seed: int):
    """(seconds from write() to the written signal, the expansion)."""
    answers = []
    done = lambda request, result: answers.append(result)  # noqa: E731 - emitted on this (GUI) thread
    failed = lambda request, message: answers.append(RuntimeError(message))  # noqa: E731
    writer.written.connect(done)
    writer.failed.connect(failed)
    started = time.perf_counter()
    writer.write("enhance", prompt, seed, key="bench", kind=kind)
    while not answers:
        app.processEvents()
        time.sleep(0.0005)
    seconds = time.perf_counter() - started
    writer.written.disconnect(done)
    writer.failed.disconnect(failed)
    if isinstance(answers[0], Exception):
        raise answers[0]
    return seconds, answers[0]


def raw_same_tokens(llm, opening: str, tokens_out: int, seed: int) -> float:
    """Raw llama-cpp-python: the same opening (its own prefix cache reused as it does by
    itself), then exactly as many sampled tokens as the app's expansion had."""
    from desktop.core.text.prompt_completer import SAMPLING

    started = time.perf_counter()
    tokens = llm.tokenize(opening.encode(), add_bos=True, special=True)
    llm.set_seed(seed)
    count = 0
    if tokens_out > 0:
        for token in llm.generate(tokens, temp=SAMPLING["temperature"], top_k=SAMPLING["top_k"],
                                  top_p=SAMPLING["top_p"], min_p=SAMPLING["min_p"],
                                  repeat_penalty=SAMPLING["repeat_penalty"]):
            llm.detokenize([token])
            count += 1
            if count >= tokens_out:
                break
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="0: one per physical core, as the app")
    args = parser.parse_args()
    model = default_model()

    import llama_cpp
    from PySide6.QtCore import QCoreApplication

    from desktop.core import hardware
    from desktop.core.text import llama_engine
    from desktop.viewmodels.prompt_writer import N_CTX, PromptWriter
    from desktop.workers.background import Background

    app = QCoreApplication.instance() or QCoreApplication([])
    threads = hardware.threads_from_setting(args.threads)
    seen = []  # (opening, completion tokens, load seconds) of each engine call the app made
    generate = llama_engine.LlamaTextEngine.generate

    def recorded(self, request, progress, cancel):
        result = generate(self, request, progress, cancel)
        seen.append((request.prompt, result.completion_tokens, self.load_s))
        return result

    llama_engine.LlamaTextEngine.generate = recorded  # to time raw on the very same tokens
    writer = PromptWriter(Background(), lambda: args.threads)
    raw = llama_cpp.Llama(str(model), n_ctx=N_CTX, n_threads=threads, n_threads_batch=threads, verbose=False)
    print(f"model {model.name}, {threads} threads, n_ctx {N_CTX}, {args.rounds} round(s), "
          f"load average {os.getloadavg()[0]:.2f}")

    first_s, first_text = app_expansion(app, writer, "a cat on a windowsill", "image", 1)
    load_s = seen[-1][2]
    print(f"first request (loads the model in {load_s:.2f} s, reads the examples): {first_s:.2f} s")
    print(f"  {first_text}")

    warm, raw_times, cold_kind = [], [], []
    seed = 100
    for round_ in range(args.rounds):
        for kind, prompts in PROMPTS.items():
            for index, prompt in enumerate(prompts):
                seed += 1
                app_s, text = app_expansion(app, writer, prompt, kind, seed)
                opening, tokens_out, _ = seen[-1]
                raw_s = raw_same_tokens(raw, opening, tokens_out, seed)
                switched = index == 0 and not (round_ == 0 and kind == "image")
                (cold_kind if switched else warm).append(app_s)
                if not switched:
                    raw_times.append(raw_s)
                mark = " (examples of another kind: read again)" if switched else ""
                print(f"  {kind:5} app {app_s:5.2f} s  raw {raw_s:5.2f} s  {tokens_out:2d} tokens{mark}  {text}")
    raw.close()
    writer.close()

    # The Enhance button loads the model and reads the examples when the pointer rests on it.
    fresh = PromptWriter(Background(), lambda: args.threads)
    started = time.perf_counter()
    fresh.prepare("image")
    while fresh.busy():
        app.processEvents()
        time.sleep(0.0005)
    prepare_s = time.perf_counter() - started
    after_prepare_s, after_prepare_text = app_expansion(app, fresh, "a castle at night", "image", 5)
    fresh.close()

    app_median, raw_median = median(warm), median(raw_times)
    ratio = raw_median / app_median if app_median else float("nan")
    print(f"warm expansion: median {app_median:.2f} s, max {max(warm):.2f} s over {len(warm)} "
          f"(target < {TARGET_S:.0f} s): {verdict(app_median < TARGET_S)}")
    print(f"  after switching image <-> video: median {median(cold_kind):.2f} s")
    print(f"a first request after prepare() (the pointer on the button; {prepare_s:.2f} s to load and read "
          f"the examples): {after_prepare_s:.2f} s  {after_prepare_text}")
    print(f"raw llama-cpp-python, same openings and token counts: median {raw_median:.2f} s; "
          f"raw/app = {ratio:.2f}")


if __name__ == "__main__":
    main()
