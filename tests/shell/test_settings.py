import json

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
    from desktop.core.image.precision import PRECISIONS

    assert PRECISIONS == ("auto", "fp32", "bf16", "fp16")
