"""Hand-offs between studios, driven as a person would: a result's menu (a studio's results or the
Library's) sends it to another studio, which makes a new generation linked to its source."""

import sqlite3

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu

from desktop.viewmodels import hand_off
from desktop.viewmodels.hand_off import HandOff

JOB = 120_000


def query(window, sql: str, *args) -> list:
    conn = sqlite3.connect(window.services.layout.database)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def links(window, generation_id: int) -> list[tuple]:
    return query(window, "SELECT relation, source_generation_id FROM generation_sources WHERE generation_id=? "
                         "ORDER BY relation", generation_id)


def newest(window, modality: str) -> tuple:
    return query(window, "SELECT id, kind, status FROM generations WHERE modality=? ORDER BY id DESC LIMIT 1",
                 modality)[0]


def make_image(qtbot, window) -> tuple[int, str]:
    """An image made in the Image studio: (its item id, its file)."""
    image = window.panel("image")
    window.show_panel("image")
    image.form.prompt.setPlainText("a lighthouse on a cliff")
    image.generate()
    qtbot.waitUntil(lambda: not image.session.busy and image.results.count() == 1, timeout=JOB)
    item = image.results.item(0)
    return item.data(Qt.UserRole + 1), item.data(Qt.UserRole)


def choose_in_menu(qtbot, label: str):
    """Click the entry `label` of the context menu about to open (menus run their own loop)."""
    chosen = []

    def click() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, click)
            return
        chosen.extend(a.text() for a in menu.actions())
        action = next(a for a in menu.actions() if a.text() == label)
        menu.close()
        action.trigger()

    QTimer.singleShot(20, click)
    return chosen


def test_every_hand_off_has_a_route():
    from desktop.ui.shell.hand_offs import HandOffs

    for action in hand_off.LABELS:
        assert callable(getattr(HandOffs, "_" + action.replace(" ", "_"))), action


def test_an_image_result_is_animated_and_the_clip_links_to_it(qtbot, window):
    image_id, path = make_image(qtbot, window)
    image = window.panel("image")
    offered = choose_in_menu(qtbot, "Animate")
    image._result_menu(image.results.visualItemRect(image.results.item(0)).center())
    assert offered == [hand_off.LABELS[a] for a in hand_off.BY_MODALITY["image"]]
    video = window.panel("video")
    qtbot.waitUntil(lambda: video.init_image is not None, timeout=10000)
    assert window.stack.currentWidget() is video
    video.form.prompt.setPlainText("the sea moves")
    video.generate()
    qtbot.waitUntil(lambda: not video.session.busy, timeout=JOB)
    clip_id, kind, status = newest(window, "video")
    assert status == "done" and kind == "img2vid"
    assert links(window, clip_id) == [("animate", image_id)]


def test_use_as_image_prompt_and_upscale_link_to_the_image(qtbot, window):
    image_id, path = make_image(qtbot, window)
    image = window.panel("image")
    window.hand_offs.perform(HandOff(hand_off.IMAGE_PROMPT, image_id, path))
    qtbot.waitUntil(lambda: image.init_image is not None, timeout=10000)
    image.generate()
    qtbot.waitUntil(lambda: not image.session.busy and image.results.count() == 2, timeout=JOB)
    again, kind, _ = newest(window, "image")
    assert kind == "img2img" and links(window, again) == [("image prompt", image_id)]

    window.hand_offs.perform(HandOff(hand_off.UPSCALE, image_id, path))
    qtbot.waitUntil(lambda: not image.session.busy and image.results.count() == 3, timeout=JOB)
    upscaled, kind, status = newest(window, "image")
    assert (kind, status) == ("upscale", "done") and links(window, upscaled) == [("upscale", image_id)]


def test_a_frame_of_a_clip_goes_to_the_image_studio_and_the_image_links_to_the_clip(qtbot, window):
    video = window.panel("video")
    window.show_panel("video")
    video.form.prompt.setPlainText("a red cube turning")
    video.generate()
    qtbot.waitUntil(lambda: not video.session.busy and video.shown.clips.count() == 1, timeout=JOB)
    clip_id, clip = video.shown.current()[1], video.shown.current()[0]
    offered = choose_in_menu(qtbot, "Use a frame as image prompt")
    video._clip_menu(video.shown.clips.visualItemRect(video.shown.clips.item(0)).center())
    assert offered == [hand_off.LABELS[a] for a in hand_off.BY_MODALITY["video"]]
    image = window.panel("image")
    qtbot.waitUntil(lambda: image.init_image is not None, timeout=10000)
    assert image.init_image.size == (64, 64)
    image.form.prompt.setPlainText("a red cube, still")
    image.generate()
    qtbot.waitUntil(lambda: not image.session.busy and image.results.count() == 1, timeout=JOB)
    made, kind, _ = newest(window, "image")
    assert kind == "img2img" and links(window, made) == [("frame", clip_id)]

    window.hand_offs.perform(HandOff(hand_off.EXTEND, clip_id, clip))
    qtbot.waitUntil(lambda: video.shown.clips.count() == 2 and not video.session.busy, timeout=JOB)
    extended, kind, _ = newest(window, "video")
    assert kind == "extend" and links(window, extended) == [("extend", clip_id)]


def test_speech_is_read_aloud_from_a_reply_and_laid_under_a_clip(qtbot, window, monkeypatch):
    video = window.panel("video")
    video.form.prompt.setPlainText("a paper boat")
    video.generate()
    qtbot.waitUntil(lambda: not video.session.busy and video.shown.clips.count() == 1, timeout=JOB)
    clip_id = video.shown.current()[1]

    reply = query(window, "SELECT id FROM generations")[0][0]  # any item stands in for a reply here
    window.hand_offs.perform(HandOff(hand_off.READ_ALOUD, reply, text="A paper boat drifts past the mill."))
    audio = window.panel("audio")
    assert window.stack.currentWidget() is audio
    qtbot.waitUntil(lambda: audio.results.count() == 1 and not audio.session.busy, timeout=JOB)
    speech_id, kind, _ = newest(window, "audio")
    assert kind == "speech" and links(window, speech_id) == [("read aloud", reply)]

    from desktop.ui.shell import video_chooser

    shown = []
    def accept_holding_the_last_frame(dialog):
        shown.append([dialog.list.item(i).text() for i in range(dialog.list.count())])
        dialog.fit.setCurrentIndex(dialog.fit.findData("hold"))
        return 1

    monkeypatch.setattr(video_chooser.VideoChooser, "exec", accept_holding_the_last_frame)
    offered = choose_in_menu(qtbot, "Add as soundtrack…")
    audio._result_menu(audio.results.visualItemRect(audio.results.item(0)).center())
    assert offered == ["Add as soundtrack…"]
    qtbot.waitUntil(lambda: video.shown.clips.count() == 2 and not video.session.busy, timeout=JOB)
    assert shown and shown[0][0].startswith(f"#{clip_id} · a paper boat")
    with_sound, kind, status = newest(window, "video")
    assert (kind, status) == ("soundtrack", "done")
    assert links(window, with_sound) == [("soundtrack", speech_id), ("video", clip_id)]
    assert '"fit": "hold"' in query(window, "SELECT params FROM generations WHERE id=?", with_sound)[0][0]


def test_the_library_menu_offers_each_items_hand_offs(qtbot, window):
    image_id, _path = make_image(qtbot, window)
    window.show_panel("library")
    library = window.panel("library")
    qtbot.waitUntil(lambda: library.model.rowCount() == 1 and not library.model.loading, timeout=10000)
    library.grid.setCurrentIndex(library.model.index(0))
    qtbot.waitUntil(lambda: library.details is not None, timeout=10000)
    offered = choose_in_menu(qtbot, "Use as image prompt")
    from desktop.ui.library.library_menu import show_item_menu

    show_item_menu(library, QPoint(10, 10))
    for action in hand_off.BY_MODALITY["image"]:
        assert hand_off.LABELS[action] in offered
    image = window.panel("image")
    qtbot.waitUntil(lambda: image.init_image is not None, timeout=10000)
    assert window.stack.currentWidget() is image
    assert image.init_source.generation_id == image_id and image.init_source.relation == "image prompt"


@pytest.mark.parametrize("modality,has_file,has_text,expected", [
    ("image", False, False, ()), ("text", False, False, ()), ("text", False, True, hand_off.BY_MODALITY["text"]),
    ("audio", True, False, (hand_off.SOUNDTRACK,)), ("video", True, False, (hand_off.FRAME_PROMPT, hand_off.EXTEND))])
def test_hand_offs_offered_follow_what_the_item_has(modality, has_file, has_text, expected):
    assert hand_off.actions_for(modality, has_file, has_text) == expected


def test_a_reply_becomes_an_image_prompt_the_person_edits_before_it_runs(qtbot, window, gemma_gguf):
    from PySide6.QtCore import QUrl

    from desktop.ui.text.chat_view import ShownMessage

    reply_id = make_image(qtbot, window)[0]  # any library item stands in for the reply's row
    text_panel = window.panel("text")
    window.show_panel("text")
    text_panel.view.set_messages([ShownMessage(1, "user", "Describe a harbour at dawn."),
                                  ShownMessage(2, "assistant", "Fishing boats rest in a quiet harbour as the sun "
                                                               "rises over the hills.", generation_id=reply_id)])
    assert all(label in text_panel.view.toHtml() for label in ("Make an image", "Read aloud", "Compose music"))
    text_panel.view._on_anchor(QUrl("msg:handoff:1:make_image"))  # the reply's "Make an image" link
    image = window.panel("image")
    assert window.stack.currentWidget() is image
    suggestion = image.form.suggestion
    qtbot.waitUntil(lambda: suggestion.use_button.isEnabled(), timeout=60000)
    written = suggestion.text.toPlainText()
    assert written and suggestion.isVisible()
    assert image.form.prompt.toPlainText() == "a lighthouse on a cliff"  # nothing runs before the person says so
    suggestion.text.setPlainText(written + ", watercolour")  # edited before use
    suggestion.use_button.click()
    assert image.form.prompt.toPlainText() == written + ", watercolour"
    request = image.build_request()
    assert request.typed_prompt == "" and [(s.relation, s.generation_id) for s in request.sources] == \
        [("prompt from", reply_id)]
    image.generate()
    qtbot.waitUntil(lambda: not image.session.busy and image.results.count() == 2, timeout=JOB)
    made = newest(window, "image")[0]
    assert links(window, made) == [("prompt from", reply_id)]


def test_compose_music_for_a_reply_writes_a_music_prompt_and_links_the_music(qtbot, window, gemma_gguf,
                                                                             tiny_musicgen):
    window.services.settings.set("model_dirs", [*window.services.settings.get("model_dirs"),
                                                str(tiny_musicgen.parent)])
    qtbot.waitUntil(lambda: any(not m.is_speech for m in window.services.audio_models.models()), timeout=30000)
    reply_id = make_image(qtbot, window)[0]
    window.hand_offs.perform(HandOff(hand_off.COMPOSE, reply_id, text="A slow waltz for a rainy evening in Paris."))
    audio = window.panel("audio")
    assert audio.music_mode() and window.stack.currentWidget() is audio
    qtbot.waitUntil(lambda: audio.suggestion.use_button.isEnabled(), timeout=60000)
    audio.suggestion.use_button.click()
    audio.music_form.duration.setValue(0.5)
    audio.generate()
    qtbot.waitUntil(lambda: audio.results.count() == 1 and not audio.session.busy, timeout=JOB)
    music, kind, _ = newest(window, "audio")
    assert kind == "music" and links(window, music) == [("prompt from", reply_id)]
