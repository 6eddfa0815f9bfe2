"""The catalog's video entries: what a download fetches, what the Video studio loads, and the
presets and base model the entries name."""

from pathlib import Path

from desktop.core.models import catalog, fetch_plan
from desktop.core.video.video_loading import is_lightning, lightning_steps


def video_entries():
    return {e.id: e for e in catalog.for_studio("video")}


def test_every_video_family_is_listed_with_a_preset():
    entries = video_entries()
    assert {"animatediff-motion-adapter-v1-5-3", "animatediff-lightning-2step", "animatediff-lightning-4step",
            "stable-video-diffusion-img2vid-xt", "ltx-video"} <= set(entries)
    for entry in entries.values():
        for key in ("frames", "fps", "steps", "guidance", "width", "height"):
            assert key in entry.recommended, (entry.id, key)


def test_adapters_name_a_base_that_is_in_the_catalog():
    for entry in video_entries().values():
        if entry.kind.startswith("motion-adapter"):
            base = catalog.by_id(entry.recommended["base"])
            assert base.kind == "diffusers" and base.studio == "image"


def test_a_lightning_entry_fetches_one_file_and_loads_it_with_its_step_count():
    entry = catalog.by_id("animatediff-lightning-2step")
    plan = fetch_plan.plan(entry)
    assert plan.patterns == ("animatediff_lightning_2step_diffusers.safetensors",)
    loaded = fetch_plan.load_path(entry, Path("/m/ByteDance/AnimateDiff-Lightning"))
    assert loaded.name == "animatediff_lightning_2step_diffusers.safetensors"
    assert is_lightning(loaded) and lightning_steps(loaded) == entry.recommended["steps"] == 2
    assert entry.recommended["guidance"] == 1.0 and entry.recommended["cpu_preset"]["width"] <= 256


def test_folder_entries_fetch_their_patterns_and_load_the_folder():
    for entry_id in ("animatediff-motion-adapter-v1-5-3", "stable-video-diffusion-img2vid-xt", "ltx-video"):
        entry = catalog.by_id(entry_id)
        plan = fetch_plan.plan(entry)
        assert plan.patterns == entry.source.patterns and not any(catalog.selects_pickle(p) for p in plan.patterns)
        assert fetch_plan.load_path(entry, Path("/m/x")) == Path("/m/x")
    adapter = fetch_plan.plan(catalog.by_id("animatediff-motion-adapter-v1-5-3"))
    assert "diffusion_pytorch_model.safetensors" not in adapter.patterns  # the fp16 variant only
