"""The one-time throughput measurement, its cache, and the time estimates made from it."""

from __future__ import annotations

import json
import threading

import pytest

from desktop.core.models import catalog, machine_speed
from desktop.core.models.fit import Gpu, Machine
from desktop.core.models.machine_speed import MachineSpeed

CALIBRATION = MachineSpeed(machine_speed.CALIBRATION["gflops"], machine_speed.CALIBRATION["bandwidth_gb_s"])
CPU = Machine(16 * 10**9, 10 * 10**9, 8 * 10**9)


def test_the_measurement_is_short_and_gives_positive_figures():
    speed = machine_speed.measure()
    assert speed.gflops > 0.5 and speed.bandwidth_gb_s > 0.1  # any CPU, however slow or busy
    assert speed.seconds < 5  # ~0.9 s here when idle; shared CI machines are slower
    assert speed.signature == machine_speed.signature()


def test_it_is_measured_once_and_then_read_from_the_cache(tmp_path, monkeypatch):
    path = tmp_path / "cache" / machine_speed.CACHE_NAME
    measured = []

    def fake_measure():
        measured.append(1)
        return MachineSpeed(123.0, 7.5, 0.8, machine_speed.signature())

    monkeypatch.setattr(machine_speed, "measure", fake_measure)
    assert machine_speed.measured(path) == MachineSpeed(123.0, 7.5, 0.8, machine_speed.signature())
    assert machine_speed.measured(path).gflops == 123.0
    assert measured == [1] and json.loads(path.read_text())["format"] == machine_speed.FORMAT


@pytest.mark.parametrize("content", [
    "not json", "[]", '{"format": 1}',
    json.dumps({"format": 1, "gflops": 5, "bandwidth_gb_s": 1, "signature": "another machine"}),
    json.dumps({"format": 99, "gflops": 5, "bandwidth_gb_s": 1, "signature": "SIG"}),
    json.dumps({"format": 1, "gflops": -5, "bandwidth_gb_s": 1, "signature": "SIG"}),
])
def test_a_damaged_or_foreign_cache_is_measured_again(tmp_path, monkeypatch, content):
    path = tmp_path / machine_speed.CACHE_NAME
    path.write_text(content.replace("SIG", machine_speed.signature()))
    assert machine_speed.cached(path) is None
    monkeypatch.setattr(machine_speed, "measure", lambda: MachineSpeed(50.0, 5.0, 0.5, machine_speed.signature()))
    assert machine_speed.measured(path).gflops == 50.0


def test_the_cache_goes_to_the_apps_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(machine_speed.paths, "cache_dir", lambda: tmp_path / "atelier-cache")
    assert machine_speed.cache_path() == tmp_path / "atelier-cache" / "machine_speed.json"


def test_the_background_measurement_reports_on_its_own_thread(tmp_path, monkeypatch):
    monkeypatch.setattr(machine_speed, "measure", lambda: MachineSpeed(80.0, 9.0, 0.4, machine_speed.signature()))
    seen, done = [], threading.Event()

    def on_done(speed):
        seen.append((speed.gflops, threading.current_thread().name))
        done.set()

    thread = machine_speed.measure_in_background(on_done, tmp_path / "speed.json")
    assert done.wait(10) and thread.daemon
    assert seen == [(80.0, "machine-speed")]


def test_the_token_rate_reproduces_the_calibration_and_follows_bandwidth_and_size():
    gemma = 253_113_024
    assert 52 <= machine_speed.estimate_tokens_per_s(gemma, CALIBRATION) <= 60  # measured: 52–60 tokens/s
    half_bandwidth = MachineSpeed(CALIBRATION.gflops, CALIBRATION.bandwidth_gb_s / 2)
    assert machine_speed.estimate_tokens_per_s(gemma, half_bandwidth) == pytest.approx(
        machine_speed.estimate_tokens_per_s(gemma, CALIBRATION) / 2)
    assert machine_speed.estimate_tokens_per_s(4 * gemma, CALIBRATION) == pytest.approx(
        machine_speed.estimate_tokens_per_s(gemma, CALIBRATION) / 4)


def test_image_time_reproduces_the_calibration_and_scales_with_steps_pixels_and_precision():
    sd21 = machine_speed.SD21_FP16_BYTES
    one_step = machine_speed.estimate_seconds_per_image(sd21, 512, 512, 1, CALIBRATION)
    assert one_step == pytest.approx(3.8 + 9.1)  # a UNet step and the full VAE decode, measured
    four = machine_speed.estimate_seconds_per_image(sd21, 512, 512, 4, CALIBRATION)
    assert four - one_step == pytest.approx(3 * 3.8)
    bf16 = machine_speed.estimate_seconds_per_image(sd21, 512, 512, 1, CALIBRATION, native_bf16=True)
    assert bf16 == pytest.approx(1.9 + 9.1)
    big = machine_speed.estimate_seconds_per_image(sd21, 1024, 1024, 1, CALIBRATION)
    assert big == pytest.approx(4 * one_step)
    tiny = machine_speed.estimate_seconds_per_image(sd21, 512, 512, 1, CALIBRATION, tiny_decoder=True)
    assert tiny == pytest.approx(3.8 + 0.73)


def test_catalog_estimates_are_labelled_and_left_out_where_they_would_be_guesses():
    turbo = machine_speed.estimate_for_entry(catalog.by_id("sd-turbo"), CALIBRATION, CPU)
    assert turbo.startswith("about ") and turbo.endswith("s an image on this machine (estimate)")
    qwen = machine_speed.estimate_for_entry(catalog.by_id("qwen2.5-1.5b-instruct"), CALIBRATION, CPU)
    assert qwen == "about 13 tokens/s on this machine (estimate)"  # 0.55 × 26 GB/s / 1.12 GB
    assert machine_speed.estimate_for_entry(catalog.by_id("qwen2.5-coder-1.5b-instruct"), CALIBRATION, CPU) is None
    assert machine_speed.estimate_for_entry(catalog.by_id("piper-en_US-lessac-medium"), CALIBRATION, CPU) is None
    gpu = Machine(16 * 10**9, 10 * 10**9, 8 * 10**9, Gpu("g", 8 * 10**9))
    assert machine_speed.estimate_for_entry(catalog.by_id("sd-turbo"), CALIBRATION, gpu) is None


def test_sdxs_is_estimated_with_its_own_tiny_decoder():
    sdxs = machine_speed.estimate_for_entry(catalog.by_id("sdxs-512-0.9"), CALIBRATION, CPU)
    turbo = machine_speed.estimate_for_entry(catalog.by_id("sd-turbo"), CALIBRATION, CPU)
    assert float(sdxs.split()[1]) < float(turbo.split()[1]) / 3


@pytest.mark.parametrize("value, shown", [(56.49, "56"), (123.4, "120"), (7.06, "7.1"), (0.456, "0.46")])
def test_estimates_are_rounded_to_what_they_are_worth(value, shown):
    assert machine_speed.describe_tokens_per_s(value) == f"about {shown} tokens/s on this machine (estimate)"
