"""The Image studio's core: the diffusers engine and model registry, single-file
checkpoints, precision, image metadata (Atelier, A1111, ComfyUI, InvokeAI), previews and the
upscaler. No Qt."""
