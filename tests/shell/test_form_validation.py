"""The forms: seed boxes hold every seed a model takes (QSpinBox stopped at 2**31 - 1 and
clamped larger stored seeds silently), typing past the range is refused, a stored seed
beyond it is shown as it is and refused at Generate with the range named; NaN stored in
old settings does not turn into a field's maximum."""

import math

import pytest
from PySide6.QtCore import Qt

from desktop.core.audio.audio_request import MusicRequest
from desktop.core.errors import UserFacingError
from desktop.core.image.image_settings import ImageSettings
from desktop.core.request_checks import LLAMA_SEED_MAX, TORCH_SEED_MAX
from desktop.ui.audio.audio_form import MusicForm, SpeechForm
from desktop.ui.image.image_form import ImageForm
from desktop.ui.text.sampling_form import SamplingForm


@pytest.mark.parametrize("make, maximum", [
    (ImageForm, TORCH_SEED_MAX), (SamplingForm, LLAMA_SEED_MAX), (SpeechForm, TORCH_SEED_MAX),
    (MusicForm, TORCH_SEED_MAX),
], ids=["image", "text", "speech", "music"])
def test_seed_boxes_hold_every_seed_the_model_takes(qtbot, make, maximum):
    form = make()
    qtbot.addWidget(form)
    box = form.seed
    assert box.value() == -1 and box.text() == "random"
    box.setValue(maximum)
    assert box.value() == maximum and box.text() == str(maximum)
    box.stepBy(1)
    assert box.value() == maximum  # stepping stops at the end of the range
    box.setValue(2**31)  # past QSpinBox's limit
    assert box.value() == 2**31
    box.setValue(0)
    box.stepBy(-1)
    assert box.value() == -1 and box.text() == "random"
    assert str(maximum) in box.toolTip()


def test_typing_past_the_range_is_said_and_random_can_be_typed(qtbot):
    form = SamplingForm()
    qtbot.addWidget(form)
    box = form.seed
    box.lineEdit().selectAll()
    with qtbot.waitSignal(box.limit_said) as said:
        qtbot.keyClicks(box, "99999999999")  # 11 digits: beyond 4294967294, taken while typing
        qtbot.keyClick(box, Qt.Key_Return)
    assert box.value() == 4294967294 and "at most 4,294,967,294" in said.args[0]
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "12x3")  # letters other than "random" are not taken
    assert box.value() == 123
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "random")
    assert box.value() == -1
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "ran")
    qtbot.keyClick(box, Qt.Key_Tab)
    box.interpretText()
    assert box.value() == -1


def test_a_stored_text_seed_beyond_uint32_is_refused_with_the_range_not_wrapped(qtbot):
    form = SamplingForm()
    qtbot.addWidget(form)
    form.apply({"seed": 4294967296, "temperature": math.nan, "top_p": 0.5})
    assert form.seed.value() == 4294967296  # shown as stored, not clamped
    assert form.temperature.value() == 0.8 and form.top_p.value() == 0.5  # NaN left the default
    with pytest.raises(UserFacingError, match="between 0 and 4294967294 for this model \\(got 4294967296\\)"):
        form.sampling().validate()


def test_a_stored_music_seed_and_nan_settings(qtbot):
    form = MusicForm()
    qtbot.addWidget(form)
    form.apply({"duration_s": math.inf, "guidance": math.nan, "temperature": 1.5}, TORCH_SEED_MAX + 1)
    assert (form.duration.value(), form.guidance.value(), form.temperature.value()) == (8.0, 3.0, 1.5)
    with pytest.raises(UserFacingError, match=f"between 0 and {TORCH_SEED_MAX}"):
        form.request("calm", "wav").validate()
    form.seed.setValue(TORCH_SEED_MAX)
    assert isinstance(form.request("calm", "wav"), MusicRequest)
    form.request("calm", "wav").validate()


@pytest.fixture
def image_panel(qtbot, tmp_path, tmp_path_factory):
    pytest.importorskip("diffusers")
    from app_window import open_window
    from desktop.settings import Settings
    from tiny_models import write_tiny_sd

    models = tmp_path_factory.mktemp("image-models")
    write_tiny_sd(models / "tiny-sd")
    window, services = open_window(qtbot, tmp_path / "data", Settings(model_dirs=[str(models)], cpu_threads=2),
                                   panel="image")
    services.image_models.refresh()
    qtbot.waitUntil(lambda: services.image_models.rowCount() == 1, timeout=20000)
    yield window.panel("image")
    services.shutdown()


def test_the_image_panel_keeps_a_large_seed_exactly_and_refuses_one_beyond_the_range(qtbot, image_panel):
    form = image_panel.form
    # A ComfyUI image's seed (they go up to 2**64 - 1): shown as it is, refused with the range.
    form.apply(ImageSettings(prompt="a koi pond", seed=2**64 - 1, width=64, height=64, steps=1))
    assert form.seed.value() == 2**64 - 1
    image_panel.generate()
    assert not image_panel.session.busy and image_panel.error.isVisible()
    assert f"Seed must be -1 (random) or between 0 and {TORCH_SEED_MAX}" in image_panel.error.text()
    # A seed above 2**31 - 1 (the old box clamped it to 2147483647) is generated and recorded as it is.
    form.apply(ImageSettings(prompt="a koi pond", seed=3_000_000_000))
    with qtbot.waitSignal(image_panel.services.queue.job_finished, timeout=60000):
        image_panel.generate()
    assert "seed 3000000000" in image_panel.status.text()


def test_a_nan_guidance_read_from_an_image_does_not_become_the_maximum(qtbot):
    form = ImageForm()
    qtbot.addWidget(form)
    form.apply(ImageSettings(prompt="x", guidance=math.nan, seed=5))
    assert (form.guidance.value(), form.seed.value()) == (7.0, 5)
