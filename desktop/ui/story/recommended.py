"""The settings the Story studio's models recommend, as the Image and Video studios apply them:
a one-step SD-Turbo run at 20 steps and guidance 7 makes mud, and a Lightning motion adapter
wants its own 4 steps and guidance 1. Image models' come from the catalog (looked up off the
GUI thread), video models' from their listing (their preset and their adapter's)."""

from __future__ import annotations

# A video model's preset names → the storyboard's clip fields.
CLIP_FIELDS = {"steps": ("clip_steps", int), "guidance": ("clip_guidance", float), "frames": ("clip_frames", int),
               "fps": ("fps", int)}


def clip_settings(video_info, adapter_info) -> dict:
    """The storyboard's clip fields from a video model's preset, its adapter's winning."""
    if video_info is None:
        return {}
    recommended = dict(video_info.recommended)
    recommended.update(dict(adapter_info.recommended) if adapter_info is not None else {})
    return {name: kind(recommended[key]) for key, (name, kind) in CLIP_FIELDS.items()
            if isinstance(recommended.get(key), (int, float)) and not isinstance(recommended.get(key), bool)}


def image_settings(entry) -> dict:
    """steps, guidance and a square side from an image model's catalog entry ({} when none)."""
    if entry is None:
        return {}
    recommended, found = dict(entry.recommended), {}
    if isinstance(recommended.get("steps"), int):
        found["steps"] = recommended["steps"]
    if isinstance(recommended.get("guidance"), (int, float)):
        found["guidance"] = float(recommended["guidance"])
    if isinstance(recommended.get("width"), int):
        found["side"] = recommended["width"]
    return found


class RecommendedSettings:
    """Mixed into the Story panel: needs its services, models, steps, picture_size, and the
    attributes clip_settings, image_guidance and _image_followed."""

    def _follow_models(self) -> None:
        """The chosen models' recommended settings (recommended.py says why)."""
        from desktop.core.models.catalog_match import entry_for

        adapter = self.models.adapter.current() if self.models.adapter.isVisible() else None
        self.clip_settings = clip_settings(self.models.video.current(), adapter)
        image = self.models.image.current()
        if image is None or image.path == self._image_followed:
            return
        self._image_followed = path = image.path
        folder = self.services.models_folder()
        self.services.background.run(lambda: image_settings(entry_for(path, folder)),
                                     lambda found: self._apply_image_settings(path, found))

    def _apply_image_settings(self, path: str, found: dict) -> None:
        image = self.models.image.current()
        if image is None or image.path != path:
            return  # another model was chosen meanwhile
        if "steps" in found:
            self.steps.setValue(found["steps"])
        if "side" in found:
            self.picture_size.setValue(found["side"])
        self.image_guidance = found.get("guidance")

    def _picture_settings(self) -> dict:
        side = self.picture_size.value()
        guidance = {"guidance": self.image_guidance} if self.image_guidance is not None else {}
        return {"steps": self.steps.value(), "width": side, "height": side, **guidance, **self.clip_settings}
