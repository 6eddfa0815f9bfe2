"""The Image studio's first-hour rough edges, each as a person meets it: upscale buttons that
say what is missing, results dragged back in as an image prompt, batch progress per image,
and an image prompt that says it will be resized."""

from types import SimpleNamespace

import pytest

pytest.importorskip("diffusers")
from PIL import Image  # noqa: E402
from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtGui import QDropEvent  # noqa: E402

from desktop.core.engine import Progress  # noqa: E402
from desktop.ui.image.image_prompt_box import fitted_size  # noqa: E402


def with_upscaler(qtbot, panel):
    panel.services.upscalers.refresh()
    qtbot.waitUntil(lambda: panel.upscaler.current() is not None, timeout=20000)


def a_result(qtbot, panel, path, generation_id=7):
    Image.new("RGB", (64, 64), "teal").save(path)
    panel.shown.add(str(path), generation_id)
    qtbot.waitUntil(lambda: panel.results.count() == 1, timeout=10000)
    return panel.results.item(0)


def test_upscale_is_disabled_with_the_reason_until_there_is_an_image_and_an_upscaler(qtbot, panel, tmp_path):
    with_upscaler(qtbot, panel)
    button = panel.upscale_buttons[2]
    assert not button.isEnabled() and "Generate an image first" in button.toolTip()
    a_result(qtbot, panel, tmp_path / "r.png")
    assert button.isEnabled() and "2 times" in button.toolTip()
    panel.upscaler.setCurrentIndex(-1)  # no upscaler (none installed, or none chosen)
    assert not button.isEnabled() and "Models › Catalog" in button.toolTip()


def test_an_upscale_error_is_said_under_the_upscale_row_not_far_away(qtbot, panel, tmp_path):
    with_upscaler(qtbot, panel)
    item = a_result(qtbot, panel, tmp_path / "gone.png")
    (tmp_path / "gone.png").unlink()  # the file went away before the upscale ran
    with qtbot.waitSignal(panel.services.queue.job_failed, timeout=30000):
        panel.upscale_buttons[2].click()
    qtbot.waitUntil(lambda: panel.upscale_bar.note.isVisible(), timeout=5000)
    assert "gone.png" in panel.upscale_bar.note.text()
    assert not panel.error.isVisible() and item.text() == "#7"


def test_a_result_drags_out_as_its_file_and_drops_back_in_as_the_image_prompt(qtbot, panel, tmp_path):
    item = a_result(qtbot, panel, tmp_path / "00000007-42.png")
    assert item.text() == "#7" and "00000007-42.png" in item.toolTip()  # short label, whole name on hover
    mime = panel.results.mimeData([item])
    assert [u.toLocalFile() for u in mime.urls()] == [str(tmp_path / "00000007-42.png")]
    assert panel.results.verticalScrollBarPolicy() == Qt.ScrollBarAlwaysOff
    panel.dropEvent(QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    qtbot.waitUntil(lambda: panel.init_image is not None, timeout=10000)
    assert panel.init_image.size == (64, 64)


def test_batch_progress_counts_the_steps_of_the_image_being_made(panel):
    job = SimpleNamespace(request=SimpleNamespace(batch=2))
    panel._on_progress(job, Progress(done=12, total=16, unit="steps", message="Image 2/2"))
    assert panel.status.text() == "Image 2/2 · step 4/8"
    panel._on_progress(job, Progress(done=8, total=16, unit="steps", message="Image 1/2"))
    assert panel.status.text() == "Image 1/2 · step 8/8"


def test_an_image_prompt_of_another_size_says_it_will_be_resized_and_offers_its_own(qtbot, panel, tmp_path):
    Image.new("RGB", (300, 200), "white").save(tmp_path / "wide.png")
    panel.load_image_file(str(tmp_path / "wide.png"))
    qtbot.waitUntil(lambda: panel.init_image is not None, timeout=10000)
    note = panel.prompt_box.size_note
    assert note.isVisible() and "300×200: it will be resized to 64×64" in note.text()
    note.linkActivated.emit("size")
    assert (panel.form.width_box.value(), panel.form.height_box.value()) == fitted_size(300, 200) == (304, 200)
    assert "resized to 304×200" in note.text() and "<a" not in note.text()  # sides are multiples of 8
    Image.new("RGB", (320, 256), "white").save(tmp_path / "exact.png")
    panel.load_image_file(str(tmp_path / "exact.png"))
    qtbot.waitUntil(lambda: panel.init_image.size == (320, 256), timeout=10000)
    note.linkActivated.emit("size")
    assert not note.isVisible()


def test_a_huge_image_prompt_is_offered_at_a_size_the_model_takes():
    assert fitted_size(6000, 3000) == (2048, 1024)
    assert fitted_size(10, 5000)[0] >= 64


@pytest.mark.parametrize("name", ["model.safetensors", "voice.onnx", "old.ckpt", "chat.gguf"])
def test_a_model_file_dragged_over_the_studio_is_left_to_the_window(panel, tmp_path, name):
    from PySide6.QtCore import QMimeData, QPoint, QUrl
    from PySide6.QtGui import QDragEnterEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / name))])
    event = QDragEnterEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    panel.dragEnterEvent(event)
    assert not event.isAccepted()  # the window takes it and routes it to its studio
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "photo.png"))])
    event = QDragEnterEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    panel.dragEnterEvent(event)
    assert event.isAccepted()  # an image: the image prompt
