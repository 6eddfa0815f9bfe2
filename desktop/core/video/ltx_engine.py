"""LTX-Video on diffusers: a diffusion transformer (about 2 B parameters, with a T5-XXL text
encoder of about 4.7 B) for text-to-video and image-to-video, meant for machines with a GPU.
Whether it fits is judged before loading (desktop/pipeline/video_job.py refuses it with the
numbers where it cannot); here it is loaded and run. Sides are multiples of 32 and clips have
8k+1 frames, as the model's VAE compresses 32× in space and 8× in time. The VAE decodes in
tiles when memory saving is on. No step previews: its latents are packed tokens, and decoding
them costs too much to do at every step."""

from __future__ import annotations

from pathlib import Path

from desktop.core.errors import ModelFileError
from desktop.core.json_files import read_object
from desktop.core.video.video_engine import VideoEngine
from desktop.core.weight_files import refuse_pickle, weight_variant
from desktop.core.video.video_request import VideoRequest

PIPELINES = ("LTXPipeline", "LTXImageToVideoPipeline")


class LTXVideoEngine(VideoEngine):
    family = "ltx"

    def _load(self):
        from diffusers import LTXPipeline

        path = Path(self.model_path)
        refuse_pickle(path, "model")
        try:
            if read_object(path / "model_index.json").get("_class_name") not in PIPELINES:
                raise ModelFileError(f"{path.name} is not an LTX-Video model folder.")
            pipe = LTXPipeline.from_pretrained(path, dtype=self.dtype, use_safetensors=True, local_files_only=True,
                                               variant=weight_variant(path))
        except ModelFileError:
            raise
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelFileError(f"diffusers could not load {path.name}: {exc}") from None
        if self.memory_saving:
            pipe.vae.enable_tiling()
        self._image_to_video = None
        return pipe

    def image_to_video(self):
        if self._image_to_video is None:
            from diffusers import LTXImageToVideoPipeline

            self._image_to_video = LTXImageToVideoPipeline.from_pipe(self.pipe)
            self._image_to_video.set_progress_bar_config(disable=True)
        return self._image_to_video

    def _arguments(self, request: VideoRequest, generator):
        arguments = dict(prompt=request.prompt, negative_prompt=request.negative or None, width=request.width,
                         height=request.height, num_frames=request.frames, frame_rate=request.fps,
                         num_inference_steps=request.steps, guidance_scale=request.guidance)
        if request.init_image is None:
            return self.pipe, arguments, request.steps, []
        arguments["image"] = request.init_image.convert("RGB").resize((request.width, request.height))
        return self.image_to_video(), arguments, request.steps, []
