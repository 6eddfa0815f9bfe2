import json
from dataclasses import fields

import pytest

from desktop import settings as settings_io
from desktop.paths import default_data_dir


def test_round_trip_and_defaults(tmp_path):
    path = tmp_path / "settings.json"
    assert settings_io.load(path) == settings_io.Settings()
    values = settings_io.Settings(cpu_threads=3, model_dirs=["/models"], theme="dark")
    settings_io.save(values, path)
    assert settings_io.load(path) == values
    assert json.loads(path.read_text())["schema"] == settings_io.SCHEMA_VERSION


def test_unknown_keys_wrong_types_and_broken_files_fall_back(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"values": {"cpu_threads": "many", "theme": "neon", "nope": 1,
                                           "context_length": 8192}}))
    loaded = settings_io.load(path)
    assert (loaded.cpu_threads, loaded.theme, loaded.context_length) == (0, "system", 8192)
    path.write_text("{ not json")
    assert settings_io.load(path) == settings_io.Settings()


def test_data_dir_defaults_to_the_platform_folder(tmp_path):
    assert settings_io.Settings().resolved_data_dir() == default_data_dir()
    assert settings_io.Settings(data_dir=str(tmp_path)).resolved_data_dir() == tmp_path


def test_image_precision_is_a_setting_with_a_safe_fallback(tmp_path):
    path = tmp_path / "settings.json"
    assert settings_io.Settings().image_precision == "auto"
    settings_io.save(settings_io.Settings(image_precision="bf16"), path)
    assert settings_io.load(path).image_precision == "bf16"
    for bad in ("fp64", 16, None):
        path.write_text(json.dumps({"values": {"image_precision": bad}}))
        assert settings_io.load(path).image_precision == "auto"
    from desktop.core.precision import PRECISIONS

    assert PRECISIONS == ("auto", "fp32", "bf16", "fp16")


def test_settings_are_declared_once_and_clamped_on_load(tmp_path):
    import json

    from desktop.core.precision import PRECISIONS
    from desktop.settings import THEMES, Settings, declared, load

    edited = {f.name: f.metadata for f in declared()}
    assert list(edited) == ["data_dir", "models_dir", "model_dirs", "other_app_dirs", "hub_endpoint", "hub_token",
                            "offline", "cpu_threads", "context_length", "memory_budget_mib", "image_precision", "theme"]
    assert all(meta["label"] and (meta["help"] or meta["choices"]) for meta in edited.values())
    assert tuple(edited["image_precision"]["choices"]) == PRECISIONS and tuple(edited["theme"]["choices"]) == THEMES
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"values": {"cpu_threads": 100000, "context_length": -5, "memory_budget_mib": 2**40,
                                           "theme": "neon", "image_precision": "int4", "model_dirs": ["a", 3],
                                           "data_dir": 7, "last_text_model": "/m.gguf"}}))
    loaded = load(path)
    assert (loaded.cpu_threads, loaded.context_length, loaded.memory_budget_mib) == (256, 512, 1024 * 1024)
    assert (loaded.theme, loaded.image_precision, loaded.model_dirs, loaded.data_dir) == ("system", "auto", [], "")
    assert loaded.last_text_model == "/m.gguf" and Settings().cpu_threads == 0


def test_reading_a_setting_that_is_not_declared_is_an_error():
    from desktop.settings import Settings
    from desktop.viewmodels.settings_model import SettingsModel

    model = SettingsModel(Settings())
    with pytest.raises(KeyError):
        model.get("last_model_text")
    assert model.get("last_text_model") == ""


def test_every_studios_last_model_is_one_name_and_an_older_file_keeps_its_upscaler(tmp_path):
    last = sorted(f.name for f in fields(settings_io.Settings) if f.name.startswith("last_"))
    assert last == sorted([f"last_{studio}_model" for studio in ("audio", "code", "image", "text", "upscaler", "video")]
                          + ["last_video_adapter"])  # the motion adapter chosen with an AnimateDiff base
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"schema": 1, "values": {"last_upscaler": "/models/x4.safetensors"}}))
    assert settings_io.load(path).last_upscaler_model == "/models/x4.safetensors"
    path.write_text(json.dumps({"schema": 1, "values": ["not", "an", "object"]}))
    assert settings_io.load(path) == settings_io.Settings()


def test_the_access_token_is_kept_apart_readable_only_by_its_owner_and_never_shown(tmp_path):
    import os
    import stat

    path = tmp_path / "settings.json"
    values = settings_io.Settings(hub_token="hf_secret_value", offline=True)
    assert "hf_secret_value" not in repr(values)
    settings_io.save(values, path)
    assert "hf_secret_value" not in path.read_text()
    secrets = settings_io.secrets_path(path)
    assert "hf_secret_value" in secrets.read_text()
    if os.name == "posix":
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    loaded = settings_io.load(path)
    assert loaded.hub_token == "hf_secret_value" and loaded.offline is True
    # A token written into settings.json by hand (or by another tool) is not read from there.
    path.write_text(json.dumps({"values": {"hub_token": "planted"}}))
    assert settings_io.load(path).hub_token == "hf_secret_value"
