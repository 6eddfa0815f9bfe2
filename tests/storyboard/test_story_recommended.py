"""The Story studio follows its models' recommended settings, as the Image and Video studios do:
a few-step image model's steps and guidance, a video model's preset with its adapter's winning."""

from types import SimpleNamespace

from desktop.ui.story.recommended import clip_settings, image_settings


def listed(**recommended):
    return SimpleNamespace(recommended=tuple(recommended.items()))


def test_a_lightning_adapters_preset_wins_over_its_base():
    base = listed(steps=25, guidance=7.5, frames=16, fps=8)
    lightning = listed(steps=4, guidance=1.0, scheduler="EulerDiscreteScheduler")
    assert clip_settings(base, lightning) == {"clip_steps": 4, "clip_guidance": 1.0, "clip_frames": 16, "fps": 8}
    assert clip_settings(base, None) == {"clip_steps": 25, "clip_guidance": 7.5, "clip_frames": 16, "fps": 8}
    assert clip_settings(None, lightning) == {}  # stills: no clip settings
    assert clip_settings(listed(steps=True, guidance="x"), None) == {}  # nothing malformed gets through


def test_a_catalog_image_models_steps_guidance_and_side():
    turbo = SimpleNamespace(recommended={"steps": 1, "guidance": 0.0, "width": 512, "height": 512})
    assert image_settings(turbo) == {"steps": 1, "guidance": 0.0, "side": 512}
    assert image_settings(None) == {}
