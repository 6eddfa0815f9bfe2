"""desktop/model_routing.py: a path a person adds goes to the list of the studio that runs it,
told by what it is (discovery's magic and folder rules, then the registries' header reads),
and anything else is refused with a message that names the file and says what to do."""

from __future__ import annotations

import shutil

import pytest

from desktop import model_routing
from desktop.core.audio import audio_registry
from desktop.core.errors import ModelFileError
from desktop.core.image import diffusion_registry, upscaler_registry
from desktop.core.text import gguf_registry
from desktop.core.video import video_registry
from desktop.model_routing import AUDIO, IMAGE, TEXT, UPSCALER, VIDEO, ModelRefused
from model_kinds import KINDS, write_flux_gguf

# The registries' inspects, as the window's lists hold them (desktop/services.py).
INSPECTORS = {TEXT: gguf_registry.inspect, IMAGE: diffusion_registry.inspect, UPSCALER: upscaler_registry.inspect,
              AUDIO: audio_registry.inspect, VIDEO: video_registry.inspect}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_goes_to_the_list_of_its_studio(kinds, kind):
    name, studio = KINDS[kind]
    added = model_routing.add(kinds / name, INSPECTORS)
    assert added.studio == studio
    assert added.path == str(kinds / name)
    assert added.is_folder == (kinds / name).is_dir()
    # The info is that studio's registry's own description (what its list shows).
    assert added.info == INSPECTORS[studio](kinds / name)


def test_safetensors_files_are_told_apart_by_their_tensors_not_their_names(kinds, tmp_path):
    """An upscaler named like a checkpoint still goes to the upscalers, and so on."""
    for kind, disguise in (("esrgan", "sd_xl_base_1.0.safetensors"), ("checkpoint", "RealESRGAN_x4plus.safetensors"),
                           ("motion-file", "v1-5-pruned-emaonly.safetensors")):
        copy = tmp_path / disguise
        shutil.copyfile(kinds / KINDS[kind][0], copy)
        assert model_routing.add(copy, INSPECTORS).studio == KINDS[kind][1], kind


def test_a_piper_voice_chosen_by_its_settings_file_adds_the_voice(kinds):
    voice = kinds / KINDS["piper"][0]
    added = model_routing.add(voice.with_name(voice.name + ".json"), INSPECTORS)
    assert (added.studio, added.path) == (AUDIO, str(voice))


def test_video_pipelines_go_to_the_video_studio(tmp_path):
    from tiny_video_models import write_tiny_svd

    assert model_routing.add(write_tiny_svd(tmp_path / "svd"), INSPECTORS).studio == VIDEO


def test_musicgen_goes_to_the_audio_studio(tiny_musicgen):
    added = model_routing.add(tiny_musicgen, INSPECTORS)
    assert (added.studio, added.info.engine) == (AUDIO, "musicgen")


def test_a_pickle_is_refused_and_the_message_says_to_convert_it(refused):
    with pytest.raises(ModelRefused) as caught:
        model_routing.add(refused["pickle"], INSPECTORS)
    message = str(caught.value)
    assert "model.ckpt" in message and "pickle" in message and "Convert it to .safetensors" in message


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".bin", ".pkl"])
def test_every_pickle_suffix_is_refused_without_being_opened(tmp_path, suffix):
    path = tmp_path / f"weights{suffix}"
    path.write_bytes(b"\x80\x04not even a real pickle")
    with pytest.raises(ModelRefused, match="pickle-based"):
        model_routing.route(path)


def test_random_bytes_named_safetensors_are_refused_as_damaged(refused):
    with pytest.raises(ModelFileError) as caught:
        model_routing.add(refused["noise"], INSPECTORS)
    assert "noise.safetensors is not a safetensors file" in str(caught.value)


def test_a_piper_voice_without_its_json_is_refused_saying_what_is_missing(refused):
    with pytest.raises(ModelRefused) as caught:
        model_routing.add(refused["lone-voice"], INSPECTORS)
    assert "en_US-lonely-medium.onnx has no en_US-lonely-medium.onnx.json beside it" in str(caught.value)


def test_a_safetensors_file_that_is_only_a_part_of_a_model_is_refused(tmp_path):
    from safetensors.torch import save_file
    import torch

    lora = tmp_path / "style-lora.safetensors"
    save_file({"lora_unet_down_blocks_0.lora_up.weight": torch.zeros(4, 2)}, str(lora))
    with pytest.raises(ModelRefused, match="style-lora.safetensors is a .safetensors file but not a model"):
        model_routing.add(lora, INSPECTORS)


def test_a_vision_projector_is_refused_for_its_model(tmp_path, tiny_gguf):
    projector = tmp_path / "mmproj-model-f16.gguf"
    shutil.copyfile(tiny_gguf, projector)
    with pytest.raises(ModelRefused, match="vision projector"):
        model_routing.add(projector, INSPECTORS)


def test_a_gguf_of_an_image_model_is_refused_for_the_text_studio(tmp_path):
    path = tmp_path / "flux1-schnell-Q4_0.gguf"
    write_flux_gguf(path)
    with pytest.raises(ModelRefused, match="flux image model quantized for ComfyUI"):
        model_routing.add(path, INSPECTORS)


def test_folders_that_are_not_one_model_are_refused_with_what_to_do(tmp_path, tiny_gguf):
    plain = tmp_path / "photos"
    plain.mkdir()
    (plain / "cat.png").write_bytes(b"\x89PNG")
    with pytest.raises(ModelRefused, match="photos is not a model folder"):
        model_routing.route(plain)
    several = tmp_path / "my-models"
    several.mkdir()
    shutil.copyfile(tiny_gguf, several / "a.gguf")
    with pytest.raises(ModelRefused, match="Model folders"):
        model_routing.route(several)
    pickled = tmp_path / "old-voice"
    pickled.mkdir()
    (pickled / "config.json").write_text('{"model_type": "vits"}')
    (pickled / "pytorch_model.bin").write_bytes(b"\x80\x04")
    with pytest.raises(ModelRefused, match="only has pickle-based weights"):
        model_routing.route(pickled)


def test_a_transformers_folder_no_studio_runs_is_refused(tmp_path):
    folder = tmp_path / "bert"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelRefused, match=r"bert is a transformers folder \(bert\) that no studio runs"):
        model_routing.route(folder)


def test_a_path_that_is_gone_or_not_a_model_file_is_refused(tmp_path):
    with pytest.raises(ModelRefused, match="does not exist"):
        model_routing.route(tmp_path / "gone.gguf")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(ModelRefused, match="notes.txt is not a model file Atelier can load"):
        model_routing.route(notes)


def test_remembered_files_are_shared_out_by_name_only():
    files = ["/m/a.gguf", "/m/ollama/sha256-abc", "/m/b.safetensors", "/m/v.onnx", "/m/C.SafeTensors"]
    assert [p.name for p in model_routing.files_for(TEXT, files)] == ["a.gguf", "sha256-abc"]
    for studio in (IMAGE, UPSCALER, VIDEO):
        assert [p.name for p in model_routing.files_for(studio, files)] == ["b.safetensors", "C.SafeTensors"]
    assert [p.name for p in model_routing.files_for(AUDIO, files)] == ["v.onnx"]


def test_only_model_files_and_folders_look_droppable(tmp_path):
    assert model_routing.looks_droppable(str(tmp_path))
    assert all(model_routing.looks_droppable(f"/x/m{s}") for s in (".gguf", ".SAFETENSORS", ".onnx", ".ckpt", ".pth"))
    assert not any(model_routing.looks_droppable(f"/x/m{s}") for s in (".png", ".txt", ".onnx.json", ""))
