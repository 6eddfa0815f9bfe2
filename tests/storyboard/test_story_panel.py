"""The Story studio driven as a person would: scenes written by the built-in model, one edited,
the storyboard made (pieces shown as they come, the final video played), one piece made again,
and the saved storyboard opened again."""

import pytest

from app_window import open_window, rows
from desktop.settings import Settings


@pytest.fixture
def story(qtbot, tmp_path, story_models, builtin_voice, gemma_gguf):
    settings = Settings(model_dirs=[str(story_models)], model_files=[str(builtin_voice)], cpu_threads=2,
                        image_precision="fp32")
    window, services = open_window(qtbot, tmp_path / "data", settings, panel="story")
    services.rescan_models()
    qtbot.waitUntil(lambda: services.image_models.rowCount() >= 1 and services.audio_models.rowCount() >= 1,
                    timeout=30000)
    panel = window.panel("story")
    qtbot.waitUntil(lambda: bool(panel.models.paths()["image"] and panel.models.paths()["voice"]), timeout=10000)
    yield panel
    services.shutdown()


def test_write_edit_make_and_remake_a_piece(qtbot, story):
    panel = story
    panel.premise.setText("A lighthouse keeper befriends a whale")
    panel.scene_count.setValue(2)
    panel.seed.setValue(3)
    panel.write_button.click()
    assert not panel.write_button.isEnabled()
    qtbot.waitUntil(lambda: len(panel.cards) == 2, timeout=240000)
    assert all(all(card.text()) for card in panel.cards)
    panel.cards[1].narration.setText("The whale sang, and the keeper sang back.")
    panel.picture_size.setValue(64)
    panel.steps.setValue(1)
    assert not panel.cards[0].buttons["image"].isEnabled()  # nothing to make again before it is made

    panel.make_button.click()
    qtbot.waitUntil(lambda: panel.session.busy, timeout=5000)
    qtbot.waitUntil(lambda: not panel.session.busy, timeout=120000)
    assert panel.error.isHidden(), panel.error.text()
    board = panel.board
    assert board.id is not None and board.missing() == [] and panel.final_path.endswith(".mp4")
    assert panel.progress_bar.value() == panel.progress_bar.maximum() == 5
    qtbot.waitUntil(lambda: all(not card.thumbnail.pixmap().isNull() for card in panel.cards), timeout=10000)
    spoken = rows(panel, f"SELECT prompt FROM generations WHERE id={board.scenes[1].items['narration']}")
    assert spoken == [("The whale sang, and the keeper sang back.",)]
    assert panel.cards[0].state.text() == "Done"

    old_image, old_final = board.scenes[0].items["image"], board.final_id
    assert panel.cards[0].buttons["image"].isEnabled()
    panel.cards[0].buttons["image"].click()
    qtbot.waitUntil(lambda: panel.session.busy, timeout=5000)
    qtbot.waitUntil(lambda: not panel.session.busy, timeout=120000)
    assert panel.error.isHidden(), panel.error.text()
    assert panel.board.scenes[0].items["image"] != old_image and panel.board.final_id not in (None, old_final)
    assert panel.board.scenes[1].items == board.scenes[1].items
    kinds = rows(panel, "SELECT kind, COUNT(*) FROM generations WHERE status='done' GROUP BY kind ORDER BY kind")
    assert kinds == [("speech", 2), ("storyboard", 2), ("txt2img", 3)]

    # Opened again, the saved storyboard fills the form.
    saved_id = panel.board.id
    panel.premise.setText("")
    qtbot.waitUntil(lambda: panel.open_box.count() == 1, timeout=10000)
    panel.open_saved(panel.open_box.itemData(0))
    qtbot.waitUntil(lambda: panel.premise.text() == "A lighthouse keeper befriends a whale", timeout=10000)
    assert panel.board.id == saved_id and panel.status.text() == "Every piece is made."
    assert panel.cards[1].narration.text() == "The whale sang, and the keeper sang back."
