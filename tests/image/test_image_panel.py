"""The Image studio driven with qtbot on a tiny random-weight Stable Diffusion folder."""

from pathlib import Path

import pytest

pytest.importorskip("diffusers")
from PIL import Image  # noqa: E402
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app_window import open_window, rows  # noqa: E402
from desktop.core.image.image_metadata import encode_image  # noqa: E402
from desktop.core.errors import UserFacingError  # noqa: E402
from desktop.core.image.image_settings import ImageSettings  # noqa: E402


def drop_file(panel, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    panel.dropEvent(QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def test_text_to_image_with_previews_and_storage(qtbot, panel):
    previews = []
    panel.services.queue.job_progress.connect(lambda job, p: previews.append(p.preview))
    panel.form.prompt.setPlainText("a lighthouse")
    panel.form.seed.setValue(123)
    panel.form.batch.setValue(2)
    with qtbot.waitSignal(panel.services.queue.job_finished, timeout=60000):
        qtbot.keyClick(panel.form.prompt, Qt.Key_Return, Qt.ControlModifier)
    assert any(p is not None for p in previews)
    assert rows(panel, "SELECT status, seed, kind FROM generations ORDER BY id") == [
        ("done", 123, "txt2img"), ("done", 124, "txt2img")]
    qtbot.waitUntil(lambda: panel.results.count() == 2)
    assert "123, 124" in panel.form.last_seed.text()
    assert panel.preview.pixmap() is not None and not panel.preview.pixmap().isNull()


def test_missing_model_and_missing_prompt_get_their_own_messages(qtbot, tmp_path):
    window, services = open_window(qtbot, tmp_path / "data", panel="image")  # no image model anywhere
    image_panel = window.panel("image")
    button = image_panel.generate_button
    assert not button.isEnabled() and "Choose an image model first" in button.toolTip()  # said before a click
    image_panel.generate()  # Ctrl+Enter goes around the button: said next to it
    assert "Choose an image model first" in image_panel.error.text() and not image_panel.session.busy
    services.shutdown()


def test_an_empty_prompt_is_asked_for_by_the_request(qtbot, panel):
    panel.form.prompt.setPlainText("  ")
    panel.generate()
    assert panel.error.text() == "Describe the image first." and not panel.session.busy
    with pytest.raises(UserFacingError, match="^Describe the image first.$"):  # the request's own message
        panel.build_request().validate()


def test_an_absurd_size_is_refused_before_queueing(qtbot, panel):
    panel.form.prompt.setPlainText("x")
    panel.form.width_box.setValue(100)
    panel.generate()
    assert panel.error.isVisible() and "multiple of 8" in panel.error.text()
    assert not panel.session.busy and rows(panel, "SELECT count(*) FROM generations") == [(0,)]


def test_dropped_image_offers_its_settings_and_becomes_an_image_prompt(qtbot, panel, tmp_path):
    settings = ImageSettings(prompt="a koi pond at night", negative="blurry", steps=5, guidance=3.5, seed=777,
                             width=64, height=64, sampler="Euler a")
    path = tmp_path / "from-a1111.png"
    path.write_bytes(encode_image(Image.new("RGB", (96, 80), "teal"), "PNG", settings, {"settings": settings.as_dict()}))
    drop_file(panel, path)
    qtbot.waitUntil(lambda: panel.init_image is not None, timeout=10000)
    assert panel.settings_bar.isVisible() and "a koi pond at night" in panel.settings_text.text()
    assert panel.form.prompt.toPlainText() == ""  # never applied silently
    panel.use_settings_button.click()
    form = panel.form
    assert (form.prompt.toPlainText(), form.seed.value(), form.steps.value()) == ("a koi pond at night", 777, 5)
    assert form.scheduler_name() == "Euler a"
    with qtbot.waitSignal(panel.services.queue.job_finished, timeout=60000):
        panel.generate()
    assert rows(panel, "SELECT kind, status FROM generations") == [("img2img", "done")]


def test_painting_a_mask_makes_an_inpainting_job(qtbot, panel, tmp_path):
    path = tmp_path / "photo.png"
    Image.new("RGB", (64, 64), "white").save(path)
    drop_file(panel, path)
    qtbot.waitUntil(lambda: panel.init_image is not None, timeout=10000)
    panel.paint_mask.setChecked(True)
    canvas = panel.canvas
    center = canvas.rect().center()
    qtbot.mousePress(canvas, Qt.LeftButton, pos=center)
    qtbot.mouseMove(canvas, center + QPoint(20, 10))
    qtbot.mouseRelease(canvas, Qt.LeftButton, pos=center + QPoint(20, 10))
    assert canvas.has_mask()
    panel.form.prompt.setPlainText("a red door")
    request = panel.build_request()
    assert request.kind == "inpaint" and request.mask.size == (64, 64)
    assert 0 < 64 * 64 - request.mask.histogram()[0] < 64 * 64
    canvas.clear_mask()
    assert not canvas.has_mask()


@pytest.mark.parametrize("content", [b"", b"this is a text file renamed .png", None])
def test_bad_drops_get_a_message_and_change_nothing(qtbot, panel, tmp_path, content):
    path = tmp_path / "bad.png"
    if content is None:  # a truncated PNG
        good = tmp_path / "good.png"
        Image.effect_noise((128, 128), 40).convert("RGB").save(good)
        content = good.read_bytes()[:1500]
    path.write_bytes(content)
    drop_file(panel, path)
    qtbot.waitUntil(lambda: panel.error.isVisible(), timeout=10000)
    assert panel.init_image is None and not panel.settings_bar.isVisible()


def test_cancel_mid_run_keeps_no_file(qtbot, panel):
    panel.form.prompt.setPlainText("slow")
    panel.form.steps.setValue(60)
    panel.form.width_box.setValue(256)
    panel.form.height_box.setValue(256)
    queue = panel.services.queue
    with qtbot.waitSignal(queue.job_progress, timeout=60000):
        panel.generate()
    with qtbot.waitSignal(queue.job_cancelled, timeout=20000):
        qtbot.keyClick(panel.form.prompt, Qt.Key_Escape)
    assert rows(panel, "SELECT status FROM generations") == [("cancelled",)]
    assert not [p for p in panel.services.layout.assets.rglob("*") if p.is_file()]
    assert panel.generate_button.isEnabled()


def test_a_batch_cancelled_during_its_second_image_shows_the_first_here_and_in_the_library(qtbot, panel):
    window = panel.window()
    window.show_panel("library")  # visible throughout: only the job's end can refresh it
    library = window.panel("library")
    qtbot.waitUntil(lambda: not library.model.loading, timeout=10000)
    assert library.model.rowCount() == 0
    panel.form.prompt.setPlainText("three lighthouses")
    panel.form.seed.setValue(40)
    panel.form.batch.setValue(3)
    panel.form.steps.setValue(30)  # long enough for the cancel to land inside image 2
    panel.form.width_box.setValue(128)
    panel.form.height_box.setValue(128)
    queue, messages, cancelled = panel.services.queue, [], []
    queue.job_progress.connect(lambda job, p: messages.append(p.message))
    queue.job_cancelled.connect(lambda job, kept: cancelled.append(kept))
    panel.generate()
    qtbot.waitUntil(lambda: "Image 2/3" in messages, timeout=180000)  # slow on a loaded machine
    with qtbot.waitSignal(queue.job_cancelled, timeout=20000):
        panel.cancel()
    assert rows(panel, "SELECT status, seed FROM generations ORDER BY id") == [("done", 40), ("cancelled", 41)]
    [kept_file] = [p for p in panel.services.layout.assets.rglob("*") if p.is_file()]
    assert [item.path for item in cancelled[0].items] == [kept_file]
    # The Image panel shows the kept image as a result, and says the rest was stopped.
    qtbot.waitUntil(lambda: panel.results.count() == 1, timeout=10000)
    assert panel.results.item(0).data(Qt.UserRole) == str(kept_file)
    assert panel.status.text() == "1 image(s) saved · seed 40 · cancelled: the rest (2) was stopped"
    assert "40" in panel.form.last_seed.text() and panel.generate_button.isEnabled()
    # The Library, open all along, refreshes as after a finished job.
    qtbot.waitUntil(lambda: library.model.rowCount() == 1 and not library.model.loading, timeout=10000)
    assert Path(library.model.item(0).asset_path).name == kept_file.name


def test_upscale_a_result_into_a_linked_generation(qtbot, panel):
    panel.services.upscalers.refresh()
    qtbot.waitUntil(lambda: panel.services.upscalers.rowCount() == 1, timeout=20000)
    panel.form.prompt.setPlainText("a small house")
    with qtbot.waitSignal(panel.services.queue.job_finished, timeout=60000):
        panel.generate()
    qtbot.waitUntil(lambda: panel.results.count() == 1)
    with qtbot.waitSignal(panel.services.queue.job_finished, timeout=60000):
        panel.upscale_buttons[2].click()
    qtbot.waitUntil(lambda: panel.results.count() == 2)
    assert rows(panel, "SELECT kind, status FROM generations ORDER BY id") == [("txt2img", "done"), ("upscale", "done")]
    assert rows(panel, "SELECT generation_id, source_generation_id, relation FROM generation_sources") == [
        (2, 1, "upscale")]
    assert rows(panel, "SELECT width, height FROM assets ORDER BY id") == [(64, 64), (128, 128)]


def test_pasting_an_image_from_the_clipboard(qtbot, panel):
    from PySide6.QtGui import QImage, QColor

    image = QImage(80, 60, QImage.Format_RGB32)
    image.fill(QColor("orange"))
    QApplication.clipboard().setImage(image)
    panel.paste_image()
    qtbot.waitUntil(lambda: panel.init_image is not None, timeout=10000)
    assert panel.init_image.size == (80, 60) and panel.init_image.getpixel((5, 5)) == (255, 165, 0)
    assert not panel.settings_bar.isVisible()
    QApplication.clipboard().setText("just words")
    panel.set_init_image(None, None)
    panel.paste_image()
    assert "no image" in panel.error.text()
