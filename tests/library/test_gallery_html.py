from desktop.store.gallery_html import render


def test_user_text_is_escaped_everywhere():
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    page = render(hostile, [{"prompt": hostile, "modality": "image", "model_name": hostile, "seed": 1,
                             "params": {"note": hostile}, "file": 'images/a"b.png', "output_text": hostile}])
    assert "<script>" not in page and "<img src=x" not in page  # markup arrives only as text
    assert page.count("&lt;script&gt;") >= 3
    assert 'src="images/a&quot;b.png"' in page
    assert "Content-Security-Policy" in page  # no script may run even if something slipped through


def test_items_are_listed():
    page = render("Holiday", [{"prompt": "a beach", "modality": "image", "file": "images/1.png", "seed": 3},
                              {"prompt": "a poem", "modality": "text", "output_text": "Waves…"}])
    assert "2 items" in page and 'src="images/1.png"' in page and "Waves…" in page


def test_audio_items_play_in_the_page():
    page = render("Sounds", [{"prompt": "calm piano", "modality": "audio", "file": 'files/1-"music".wav', "seed": 2}])
    assert '<audio controls preload="none" src="files/1-&quot;music&quot;.wav"></audio>' in page
    assert "media-src 'self'" in page
