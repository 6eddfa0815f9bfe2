"""Choosing a catalog model applies its recommended settings wherever it came from: the entry
is found from Atelier's download manifest, a Hugging Face cache snapshot, or not at all."""

import json

from catalog_helpers import FOLDER_REPO, GGUF_REPO, Q4, folder_entry, gguf_entry, tiny_folder_repo, tiny_gguf_repo

from desktop.core.models import catalog
from desktop.core.models.catalog_match import entry_for
from desktop.core.models.download_manifest import ManifestFile, model_folder, record


def write_catalog(tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"schema": 1, "updated": "2026-12-01", "models": [
        gguf_entry(tiny_gguf_repo(), known=True), folder_entry(tiny_folder_repo())]}))
    return catalog.load(path)


def test_the_entry_is_found_from_atelier_download_the_hf_cache_or_not_at_all(tmp_path):
    known = write_catalog(tmp_path)
    models = tmp_path / "models"
    folder = model_folder(models, GGUF_REPO)
    folder.mkdir(parents=True)
    (folder / Q4).write_bytes(b"GGUF")
    record(folder, repo=GGUF_REPO, revision="main", commit="0" * 40, endpoint="http://hub",
           files=[ManifestFile(Q4, 4, "0" * 64, "sha256")], complete=True)
    assert entry_for(folder / Q4, models, known).id == "tiny-chat"
    assert entry_for(folder / "someone-elses-Q3_K_S.gguf", models, known) is None  # not the catalog's file

    snapshot = tmp_path / "hf" / f"models--{FOLDER_REPO.replace('/', '--')}" / "snapshots" / "abc"
    snapshot.mkdir(parents=True)
    assert entry_for(snapshot, models, known).id == "tiny-sd"
    assert entry_for(tmp_path / "elsewhere" / "model.gguf", models, known) is None


def test_a_recommendation_fills_the_image_form_and_odd_values_change_nothing(qtbot):
    from desktop.ui.image.image_form import ImageForm

    form = ImageForm()
    qtbot.addWidget(form)
    form.apply_recommended({"steps": 1, "guidance": 0.0, "width": 512, "height": 512,
                            "scheduler": "EulerAncestralDiscreteScheduler"})
    assert (form.steps.value(), form.guidance.value(), form.scheduler.currentText()) == (1, 0.0, "Euler a")
    form.apply_recommended({"scheduler": "NoSuchScheduler", "steps": "many"})
    assert (form.steps.value(), form.scheduler.currentText()) == (1, "Euler a")  # odd values change nothing
