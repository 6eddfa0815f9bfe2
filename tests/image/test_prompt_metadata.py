"""Weighted prompts travel as typed: the A1111 `parameters` text, Atelier's own metadata and
the library row keep `(word:1.3)`, `[word]`, escapes and BREAK, so A1111, ComfyUI's importer
and Civitai read back the emphasis the image was made with."""

import pytest

pytest.importorskip("diffusers")
from PIL import Image  # noqa: E402

from desktop.core.image.a1111_parameters import parse_parameters  # noqa: E402
from desktop.core.image.image_metadata import read_settings  # noqa: E402
from desktop.core.image.image_request import ImageRequest  # noqa: E402
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio  # noqa: E402
from desktop.core.model_cache import ModelCache  # noqa: E402
from desktop.pipeline.image_job import run_image_job  # noqa: E402
from desktop.pipeline.store_access import DirectStore  # noqa: E402
from desktop.store.library import Library  # noqa: E402
from tiny_models import write_tiny_sd  # noqa: E402

PROMPT = r"a (red:1.3) cube, ((shiny)), [blurry], \(not weighted\) BREAK on a (table : 0.8)"
NEGATIVE = "(worst quality:1.4), [[text]]"


@pytest.mark.parametrize("file_format", ["PNG", "JPEG"])
def test_the_prompt_is_written_and_stored_exactly_as_typed(tmp_path_factory, tmp_path, file_format):
    model = write_tiny_sd(tmp_path_factory.mktemp("models") / "tiny-sd")
    library = Library(tmp_path / "lib")
    request = ImageRequest(prompt=PROMPT, negative=NEGATIVE, steps=1, width=64, height=64, seed=5,
                           file_format=file_format)
    job = Job(JobKind.IMAGE, request, str(model), JobOrigin(Studio.IMAGE), EngineOptions(n_threads=2))
    item = run_image_job(job, ModelCache(2**34), DirectStore(library), lambda p: None).items[0]
    row = library.generations.get(item.generation_id)
    assert (row.prompt, row.negative) == (PROMPT, NEGATIVE)
    settings = read_settings(item.path)
    assert (settings.prompt, settings.negative) == (PROMPT, NEGATIVE)
    if file_format == "PNG":
        text = Image.open(item.path).text["parameters"]
        assert text.startswith(f"{PROMPT}\nNegative prompt: {NEGATIVE}\nSteps: 1, ")
        assert (parse_parameters(text).prompt, parse_parameters(text).negative) == (PROMPT, NEGATIVE)
    library.close()
