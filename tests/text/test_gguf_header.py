import struct
from pathlib import Path

import pytest

from desktop.core.text import gguf_registry
from desktop.core.errors import ModelFileError
from desktop.core.text.gguf_header import read_header


def test_reads_name_quantization_context_and_template(tiny_gguf, tiny_chat_gguf):
    base = gguf_registry.inspect(tiny_gguf)
    chat = gguf_registry.inspect(tiny_chat_gguf)
    assert (base.name, base.quantization, base.context_length, base.architecture) == ("Tiny Llama", "F32", 512, "llama")
    assert not base.has_chat_template and chat.has_chat_template
    assert chat.context_length == 4096
    assert "F32" in base.label and "base" in base.label


def test_real_gemma_header(gemma_gguf):
    info = gguf_registry.inspect(gemma_gguf)
    assert info.quantization == "Q4_K_M"
    assert info.context_length == 32768
    assert info.architecture == "gemma3"
    assert not info.has_chat_template  # the base model: offered for completion


@pytest.mark.parametrize("content, reason", [
    (b"", "not a GGUF"),
    (b"this is a text file, renamed to .gguf\n" * 3, "not a GGUF"),
    (b"GGUF\x01\x00\x00\x00" + b"\x00" * 40, "version 1"),
])
def test_refuses_files_that_are_not_gguf(tmp_path, content, reason):
    path = tmp_path / "bad.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=reason):
        read_header(path)


@pytest.mark.parametrize("keep", [0.5, 0.999, 0.01])
def test_refuses_truncated_files(tmp_path, tiny_gguf, keep):
    data = tiny_gguf.read_bytes()
    path = tmp_path / "cut.gguf"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ModelFileError, match="incomplete"):
        read_header(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        read_header(tmp_path / "nope.gguf")


def test_scan_lists_good_models_and_reports_bad_ones(tmp_path, tiny_gguf):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "good.gguf").write_bytes(tiny_gguf.read_bytes())
    (folder / "broken.gguf").write_bytes(tiny_gguf.read_bytes()[:1000])
    models, problems = gguf_registry.scan([folder], include_builtin=False)
    assert [m.name for m in models] == ["Tiny Llama"]
    assert len(problems) == 1 and "incomplete" in problems[0].message


def test_scan_lists_other_apps_models_in_place_with_their_source(tmp_path, tiny_gguf):
    # Found by core/models/discovery (the Hugging Face cache among them) and handed in by
    # desktop/model_sources.py; tests/models/test_model_sources.py runs the whole way.
    from desktop.core.model_registry import Candidate

    blob = tmp_path / "blobs" / "sha256-1234"  # an Ollama blob: no extension
    blob.parent.mkdir()
    blob.write_bytes(tiny_gguf.read_bytes())
    models, _ = gguf_registry.scan([], include_builtin=False, found=[Candidate(str(blob), "Ollama", "tiny:latest")])
    assert [(m.name, m.source, m.path) for m in models] == [("tiny:latest", "Ollama", str(blob))]
    assert models[0].label.endswith("· Ollama")


def test_type_tables_match_the_gguf_package():
    from gguf.constants import GGML_QUANT_SIZES, LlamaFileType

    from desktop.core.text.ggml_types import FILE_TYPES, TENSOR_TYPES

    assert {k: (b, s) for k, (_n, b, s) in TENSOR_TYPES.items()} == {int(k): v for k, v in GGML_QUANT_SIZES.items()}
    assert FILE_TYPES == {int(t): t.name.replace("MOSTLY_", "").replace("ALL_", "") for t in LlamaFileType}


def test_reading_a_header_does_not_import_numpy(tmp_path, tiny_gguf):
    import subprocess
    import sys

    code = ("import sys; from desktop.core.text.gguf_header import read_header; "
            f"h = read_header({str(tiny_gguf)!r}); print(h.quantization, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["F32", "False"]


def _patched(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new):]


def _tensor_info(data: bytes, name: str) -> int:
    """Where a tensor's n_dims field is, in a file's tensor table."""
    needle = struct.pack("<Q", len(name)) + name.encode()
    return data.index(needle) + len(needle)


def _bump_u64(data: bytes, offset: int, by: int) -> bytes:
    return _patched(data, offset, struct.pack("<Q", struct.unpack_from("<Q", data, offset)[0] + by))


# Damage that leaves the file its full size: the first key's length, the first value's
# type, a tensor's shape and another's offset, a zeroed and a 0xFF-filled disk block.
DAMAGE = {
    "key length": lambda d: _patched(d, 24, b"\xff" * 8),
    "value type": lambda d: _patched(d, 24 + 8 + len("general.architecture"), struct.pack("<I", 200)),
    "tensor shape": lambda d: _bump_u64(d, _tensor_info(d, "token_embd.weight") + 4, 1),
    "tensor offset": lambda d: _bump_u64(d, _tensor_info(d, "output_norm.weight") + 4 + 8 + 4, 64),
    "zeroed block": lambda d: _patched(d, 2048, b"\0" * 4096),
    "0xFF block": lambda d: _patched(d, 4096, b"\xff" * 512),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_full_size_files_are_called_damaged_not_incomplete(tmp_path, tiny_gguf, damage):
    data = tiny_gguf.read_bytes()
    path = tmp_path / "damaged.gguf"
    path.write_bytes(DAMAGE[damage](data))
    assert path.stat().st_size == len(data)
    with pytest.raises(ModelFileError) as raised:
        gguf_registry.inspect(path)
    message = str(raised.value)
    assert "damaged.gguf is damaged or not a GGUF model" in message and "download it again" in message
    assert "incomplete" not in message


def test_the_text_studio_and_the_model_list_tell_damaged_from_incomplete(tmp_path, tiny_gguf):
    from desktop.core.text.llama_engine import LlamaTextEngine

    folder = tmp_path / "models"
    folder.mkdir()
    data = tiny_gguf.read_bytes()
    (folder / "damaged.gguf").write_bytes(DAMAGE["key length"](data))
    (folder / "cut.gguf").write_bytes(data[: len(data) // 2])
    _models, problems = gguf_registry.scan([folder], include_builtin=False)
    said = {Path(p.path).name: p.message for p in problems}
    assert said["damaged.gguf"].startswith("damaged.gguf is damaged or not a GGUF model")
    assert said["cut.gguf"].startswith("cut.gguf is incomplete (the file ends early)")
    for name, expected in (("damaged.gguf", "is damaged or not a GGUF model"), ("cut.gguf", "is incomplete")):
        with pytest.raises(ModelFileError, match=expected) as raised:
            LlamaTextEngine(folder / name)
        assert "download it again" in str(raised.value)


def test_values_of_the_wrong_type_read_as_missing(tmp_path):
    from test_fuzz_gguf import gguf_file, kv

    path = tmp_path / "odd.gguf"
    path.write_bytes(gguf_file([kv("general.architecture", 4, struct.pack("<I", 7)),
                                kv("general.name", 4, struct.pack("<I", 7)),
                                kv("unknown.context_length", 8, _string(b"long")),
                                kv("general.file_type", 6, struct.pack("<f", 1.5))]))
    header = read_header(path)
    assert (header.architecture, header.name, header.context_length, header.quantization) == (
        "unknown", "odd", None, "unknown")


def test_big_endian_files_are_named_as_such(tmp_path):
    path = tmp_path / "be.gguf"
    path.write_bytes(b"GGUF" + struct.pack(">IQQ", 3, 0, 0))
    with pytest.raises(ModelFileError, match="big-endian"):
        read_header(path)


def _string(raw: bytes) -> bytes:
    return struct.pack("<Q", len(raw)) + raw
