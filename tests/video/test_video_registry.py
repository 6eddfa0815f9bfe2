"""Which folders and files the Video studio lists, and the problems it reports instead of raising."""

import json
import shutil

from desktop.core.model_registry import Candidate
from desktop.core.video import video_registry as registry


def test_adapters_svd_and_bases_are_listed_with_their_presets(tmp_path, video_models):
    models = tmp_path / "models"
    models.mkdir()
    for name in ("motion", "svd", "animatediff_lightning_2step_diffusers.safetensors"):
        (models / name).symlink_to(video_models / name)
    base = models / "sd15"
    shutil.copytree(video_models / "sd", base)
    unet = json.loads((base / "unet" / "config.json").read_text())
    (base / "unet" / "config.json").write_text(json.dumps({**unet, "cross_attention_dim": 768}))  # SD 1.5's width
    found, problems = registry.scan([models])
    kinds = {m.name: (m.kind, m.family) for m in found}
    assert kinds == {"motion": ("motion adapter", "animatediff"), "svd": ("Stable Video Diffusion", "svd"),
                     "animatediff_lightning_2step_diffusers": ("motion adapter", "animatediff"),
                     "sd15": ("AnimateDiff base", "animatediff")}
    assert problems == []
    lightning = next(m for m in found if m.name.startswith("animatediff_lightning"))
    assert dict(lightning.recommended) == {"steps": 2, "guidance": 1.0, "scheduler": "Lightning", "frames": 16, "fps": 8}
    assert "motion adapter" in lightning.label


def test_problems_are_listed_not_raised(tmp_path, video_models):
    models = tmp_path / "models"
    (models / "pickled").mkdir(parents=True)
    (models / "pickled" / "config.json").write_text('{"_class_name": "MotionAdapter"}')
    (models / "pickled" / "diffusion_pytorch_model.bin").write_bytes(b"\x80\x04")
    (models / "wan").mkdir()
    (models / "wan" / "model_index.json").write_text('{"_class_name": "WanPipeline"}')
    (models / "broken").mkdir()
    (models / "broken" / "model_index.json").write_text("[" * 100_000)
    (models / "cut.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{")
    (models / "old.ckpt").write_bytes(b"\x80\x04")
    found, problems = registry.scan([models], [Candidate(str(video_models / "svd"), "Hugging Face cache", "org/svd")])
    assert [(m.name, m.source) for m in found] == [("org/svd", "Hugging Face cache")]
    messages = {p.path.rsplit("/", 1)[-1]: p.message for p in problems}
    assert "pickle-based" in messages["pickled"]
    assert "Wan 2.1" in messages["wan"] and "does not run" in messages["wan"]
    assert "unreadable configuration" in messages["broken"]
    assert "not a readable .safetensors" in messages["cut.safetensors"]
