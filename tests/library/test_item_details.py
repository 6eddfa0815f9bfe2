"""The details pane's words: settings under the names the studios' forms use, values a person
reads, and what became of an item that did not finish."""

import re

from desktop.store import item_status
from desktop.store.library_items import ItemDetails
from desktop.store.records import Generation
from desktop.ui.library.item_details import details_html, differences
from desktop.ui.library.parameter_labels import label, parameter_rows


def details(status="done", error="", output_text="", **params) -> ItemDetails:
    generation = Generation(id=5, modality="image", kind="txt2img", prompt="a fox", negative="",
                            output_text=output_text, params=params, model_name="tiny", model_path="", model_sha256="", seed=3, status=status,
                            error=error, stats={}, conversation_id=None, created_at=1.0, started_at=1.0,
                            finished_at=2.0)
    return ItemDetails(generation, [], [], [])


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_settings_have_human_labels_and_values():
    rows = dict(parameter_rows({"batch_index": 1, "batch": 4, "file_format": "png", "width": 512, "height": 768,
                                "guidance": 7.5, "top_p": 0.9, "duration_s": 8.0, "motion_bucket_id": 127,
                                "clips": ["a.mp4", "b.mp4"], "some_new_setting": True}))
    assert rows == {"Image": "2 of 4", "Format": "PNG", "Size": "512 × 768", "Guidance": "7.5", "Top-p": "0.9",
                    "Duration": "8.0 s", "Motion amount": "127", "Clips": "a.mp4, b.mp4", "Some new setting": "yes"}
    assert "Image" not in dict(parameter_rows({"batch_index": 0, "batch": 1}))  # a batch of one says nothing
    assert label("n_ctx") == "Context length" and label("hires-fix_scale") == "Hires fix scale"


def test_the_pane_shows_no_stored_keys():
    html = details_html(details(batch_index=1, batch=2, file_format="webp", n_threads=4, width=64, height=64))
    shown = text_of(html)
    for key in ("batch_index", "file_format", "n_threads", "width"):
        assert key not in shown
    assert "Image" in shown and "2 of 2" in shown and "WEBP" in shown and "Threads" in shown


def test_stopped_failed_and_missing_items_say_so_with_their_text_or_reason():
    stopped = text_of(details_html(details("cancelled", "Cancelled by you.", "Once upon a time")))
    assert "Stopped" in stopped and "Partial text" in stopped and "Once upon a time" in stopped
    failed = text_of(details_html(details("failed", "Out of memory <try smaller>")))
    assert "Failed" in failed and "Out of memory &lt;try smaller&gt;" in failed  # escaped like any text
    missing = text_of(details_html(details("failed", item_status.missing_file_reason("assets/00000005-3.png"))))
    assert "File missing" in missing and "assets/00000005-3.png" in missing and "Locate file" in missing
    assert "Stopped" not in text_of(details_html(details()))


def test_differences_use_the_same_words():
    assert differences(details(top_p=0.9, file_format="png"), details(top_p=0.5, file_format="png")) == ["top-p"]
