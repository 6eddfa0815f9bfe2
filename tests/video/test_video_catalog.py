"""The catalog's video entries speak the video engine's language: each recommended scheduler
(a diffusers class and settings in the catalog) is one the engine knows by name, and each
motion adapter names a base the catalog also lists."""

from desktop.core.models import catalog
from desktop.core.video.animatediff_engine import SCHEDULERS, scheduler_named


def test_every_video_entrys_scheduler_is_one_the_engine_runs():
    entries = [e for e in catalog.load().for_studio("video") if e.recommended.get("scheduler")]
    assert entries
    for entry in entries:
        name = scheduler_named(entry.recommended["scheduler"], entry.recommended.get("scheduler_config", {}))
        assert name in SCHEDULERS, entry.id
        if "lightning" in entry.id:
            assert name == "Lightning"   # trailing timesteps and a linear beta schedule, as the model card says


def test_every_motion_adapter_names_a_catalog_base():
    shipped = catalog.load()
    ids = {e.id for e in shipped.entries}
    for entry in shipped.for_studio("video"):
        if entry.kind.startswith("motion-adapter"):
            assert entry.recommended.get("base") in ids, entry.id


def test_the_most_specific_scheduler_wins():
    assert scheduler_named("EulerDiscreteScheduler", {}) == "Euler"
    assert scheduler_named("EulerDiscreteScheduler", {"timestep_spacing": "trailing", "beta_schedule": "linear"}) \
        == "Lightning"
    assert scheduler_named("HeunDiscreteScheduler", {}) is None
