"""Stable Video Diffusion (image-to-video) on diffusers: a still becomes a short clip. The
image is the only prompt (a CLIP vision encoder reads it; there is no text); guidance ramps
from 1 on the first frame to the request's guidance on the last, as in SVD's own pipeline.
Frames are decoded a few at a time (decode_chunk_size) by the temporal VAE decoder."""

from __future__ import annotations

from pathlib import Path

from desktop.core.errors import ModelFileError
from desktop.core.json_files import read_object
from desktop.core.video.video_engine import VideoEngine
from desktop.core.weight_files import refuse_pickle, weight_variant
from desktop.core.video.video_request import VideoRequest

NOISE_AUGMENTATION = 0.02  # SVD's default: how much noise the conditioning image gets


class StableVideoEngine(VideoEngine):
    family = "svd"
    frames_first = True

    def _load(self):
        from diffusers import StableVideoDiffusionPipeline

        path = Path(self.model_path)
        refuse_pickle(path, "model")
        try:
            if read_object(path / "model_index.json").get("_class_name") != "StableVideoDiffusionPipeline":
                raise ModelFileError(f"{path.name} is not a Stable Video Diffusion model folder.")
            return StableVideoDiffusionPipeline.from_pretrained(path, dtype=self.dtype, use_safetensors=True,
                                                                local_files_only=True, variant=weight_variant(path))
        except ModelFileError:
            raise
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelFileError(f"diffusers could not load {path.name}: {exc}") from None

    def _arguments(self, request: VideoRequest, generator):
        still = request.init_image.convert("RGB").resize((request.width, request.height))
        arguments = dict(image=still, height=request.height, width=request.width, num_frames=request.frames,
                         num_inference_steps=request.steps, min_guidance_scale=1.0,
                         max_guidance_scale=max(1.0, request.guidance), fps=request.fps,
                         motion_bucket_id=request.motion_bucket_id, noise_aug_strength=NOISE_AUGMENTATION,
                         decode_chunk_size=self.decode_chunk_size or request.frames)
        return self.pipe, arguments, request.steps, []
