"""Audio models from transformers, loaded from a local folder only (no hub access), from
.safetensors weights only: VITS / MMS-TTS voices (text to speech) and MusicGen (music
from a description). Speech is made piece by piece (sentences of bounded length, see
speech_pieces.py), music step by step; both check cancel as they go."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from desktop.core.audio.audio_request import GeneratedAudio, MusicRequest, SpeechRequest
from desktop.core.engine import ProgressCallback
from desktop.core.errors import Cancelled, ModelFileError, UserFacingError
from desktop.core.jobs import Progress
from desktop.core.json_files import read_object
from desktop.core.audio.speakable_text import describe_foreign, drop_pictographs, dropped_note, foreign_letters
from desktop.core.audio.speech_pieces import pieces_of, speak_pieces

SPEECH_TYPES, MUSIC_TYPES = {"vits"}, {"musicgen"}


def model_type(folder: Path) -> str:
    try:
        kind = read_object(folder / "config.json").get("model_type", "")
    except (OSError, ValueError):
        return ""
    return kind if isinstance(kind, str) else ""


def check_folder(folder: Path, types: set[str]) -> None:
    if not (folder / "config.json").exists():
        raise ModelFileError(f"{folder.name} is not a transformers model folder (no config.json).")
    kind = model_type(folder)
    if kind not in types:
        raise ModelFileError(f"{folder.name} is a “{kind or 'unknown'}” model, not one of {', '.join(sorted(types))}.")
    if not list(folder.glob("*.safetensors")):
        raise ModelFileError(f"{folder.name} has no .safetensors weights. Pickle-based weights could run arbitrary "
                             "code, so Atelier never loads them.")


def _seed(seed: int) -> int:
    import random

    import torch

    seed = seed if seed >= 0 else random.randrange(2**31)
    torch.manual_seed(seed)
    return seed


class _FolderModel:
    """A transformers model and its tokenizer or processor, from a checked local folder."""
    modality = "audio"

    def __init__(self, folder: str | Path, n_threads: int, types: set[str], model_class, processor_class):
        import torch

        folder = Path(folder)
        check_folder(folder, types)
        torch.set_num_threads(max(1, n_threads))
        self.model = model_class.from_pretrained(folder, local_files_only=True, use_safetensors=True).eval()
        self.processor = processor_class.from_pretrained(folder, local_files_only=True)
        self.model_path, self.name = str(folder), folder.name

    def memory_bytes(self) -> int:
        return sum(p.numel() * p.element_size() for p in self.model.parameters())

    def close(self) -> None:
        self.model = None


class VitsEngine(_FolderModel):
    def __init__(self, folder: str | Path, n_threads: int = 1):
        from transformers import AutoTokenizer, VitsModel

        super().__init__(folder, n_threads, SPEECH_TYPES, VitsModel, AutoTokenizer)
        self.sample_rate = self.model.config.sampling_rate
        self.vocab = set(self.processor.get_vocab())
        self.speakers = {str(i): i for i in range(self.model.config.num_speakers)} \
            if self.model.config.num_speakers > 1 else {}

    def _known(self, letter: str) -> bool:
        return letter in self.vocab or letter.lower() in self.vocab

    def generate(self, request: SpeechRequest, progress: ProgressCallback, cancel: threading.Event,
                 keep_samples: bool = True) -> GeneratedAudio:
        import torch

        request.validate()
        text, dropped = drop_pictographs(request.text)
        foreign = foreign_letters(text, self._known)
        if foreign:
            raise UserFacingError(describe_foreign(foreign, self.name, "the letters of its vocabulary"))
        pieces = pieces_of(text, request.length_scale)
        model = self.model
        defaults = (model.speaking_rate, model.noise_scale, model.noise_scale_duration)
        model.speaking_rate = 1.0 / request.length_scale if request.length_scale else defaults[0]
        model.noise_scale = request.noise_scale if request.noise_scale is not None else defaults[1]
        model.noise_scale_duration = request.noise_w if request.noise_w is not None else defaults[2]
        speaker = {"speaker_id": request.speaker} if self.speakers and request.speaker is not None else {}
        seed = _seed(request.seed)

        def say(piece: str):
            inputs = self.processor(piece, return_tensors="pt")
            if inputs["input_ids"].shape[-1] == 0:
                return None
            with torch.inference_mode():
                return model(**inputs, **speaker).waveform[0].float().numpy()

        started = time.perf_counter()
        try:
            samples, frames, count = speak_pieces(pieces, say, self.sample_rate, progress, cancel, keep_samples)
        finally:
            model.speaking_rate, model.noise_scale, model.noise_scale_duration = defaults
        return GeneratedAudio(samples, self.sample_rate, seed, time.perf_counter() - started, count,
                              dropped_note(dropped), frames=frames)


class MusicEngine(_FolderModel):
    def __init__(self, folder: str | Path, n_threads: int = 1):
        from transformers import AutoProcessor, MusicgenForConditionalGeneration

        super().__init__(folder, n_threads, MUSIC_TYPES, MusicgenForConditionalGeneration, AutoProcessor)
        self.sample_rate = self.model.config.audio_encoder.sampling_rate
        self.frame_rate = self.model.config.audio_encoder.frame_rate

    def generate(self, request: MusicRequest, progress: ProgressCallback, cancel: threading.Event) -> GeneratedAudio:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        request.validate()
        # MusicGen's codebooks are offset by one frame each (the delay pattern): the last
        # codebooks-1 steps only complete earlier frames.
        steps = max(1, round(request.duration_s * self.frame_rate)) + self.model.config.decoder.num_codebooks - 1
        started = time.perf_counter()

        class Watch(StoppingCriteria):
            """Called after every generated frame: progress, and cancel."""

            def __init__(self):
                self.done = 0

            def __call__(self, input_ids, scores, **kwargs):
                self.done += 1
                elapsed = time.perf_counter() - started
                eta = elapsed / self.done * (steps - self.done)
                progress(Progress(done=min(self.done, steps), total=steps, unit="frames",
                                  message="Composing", eta_s=eta))
                if cancel.is_set():
                    raise Cancelled()
                return torch.zeros(input_ids.shape[0], dtype=torch.bool)

        seed = _seed(request.seed)
        inputs = self.processor(text=[request.prompt], padding=True, return_tensors="pt")
        with torch.inference_mode():
            audio = self.model.generate(**inputs, max_new_tokens=steps, do_sample=True,
                                        guidance_scale=request.guidance or None, temperature=request.temperature,
                                        stopping_criteria=StoppingCriteriaList([Watch()]))
        samples = audio[0].float().mean(dim=0).numpy()  # mono
        peak = float(abs(samples).max()) if samples.size else 0.0
        if peak > 1.0:
            samples = samples / peak
        return GeneratedAudio(samples.astype("float32"), self.sample_rate, seed, time.perf_counter() - started)
