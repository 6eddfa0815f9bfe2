"""The text studio keeps what it had: a reply's row holds the GGUF file's whole sha256,
read once for that version of the file, now through the shared model_hashes module."""

import hashlib
from pathlib import Path

from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
from desktop.core.model_cache import ModelCache
from desktop.core.text.text_request import COMPLETION, Sampling, TextRequest
from desktop.pipeline import model_hashes
from desktop.pipeline.store_access import DirectStore
from desktop.pipeline.text_job import run_text_job
from desktop.store.library import Library


def test_a_reply_row_holds_the_gguf_sha256_read_once(tmp_path, tiny_gguf, monkeypatch):
    reads = []
    real = model_hashes.file_sha256

    def counted(path, *args, **kwargs):
        reads.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(model_hashes, "file_sha256", counted)
    request = TextRequest(mode=COMPLETION, prompt="the cat", sampling=Sampling(max_tokens=4, seed=1))
    jobs = [Job(JobKind.TEXT, request, str(tiny_gguf), JobOrigin(Studio.TEXT), EngineOptions(n_threads=1, n_ctx=512))
            for _ in range(2)]
    library, cache = Library(tmp_path / "lib"), ModelCache(1 << 30)
    try:
        ids = [run_text_job(job, cache, DirectStore(library), lambda update: None).generation_id for job in jobs]
        rows = [library.generations.get(i) for i in ids]
    finally:
        cache.clear()
        library.close()
    expected = hashlib.sha256(tiny_gguf.read_bytes()).hexdigest()
    assert [row.model_sha256 for row in rows] == [expected, expected]
    assert reads == [tiny_gguf.resolve()]
