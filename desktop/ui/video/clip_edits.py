"""The Video studio's edits of finished clips: extend one from its last frame, join several,
lay a sound under one, and the hand-offs of a clip's menu — jobs like any other, through the
studio's session, each new clip linked to the clips it was made from."""

from __future__ import annotations

from pathlib import Path

from desktop.core.jobs import JobKind
from desktop.ui.video.video_results import GENERATION_ROLE, PATH_ROLE
from desktop.ui.widgets.hand_off_menu import show_result_hand_offs

NO_MODEL = ("Choose a video model first: a Stable Diffusion 1.5 folder with a motion adapter (AnimateDiff), "
            "Stable Video Diffusion or LTX-Video, in a folder listed in Settings › Model folders.")


class ClipEdits:
    """Mixed into the Video panel: needs its session, services, models, form, shown clips,
    status and show_error, and NO_MODEL / _validator / _submit / _update_state."""

    def extend_selected(self) -> None:
        """The selected clip (or the newest) continued from its last frame."""
        clip = self.shown.current()
        if clip is None:
            self.show_error("Make or pick a clip to extend first.")
            return
        self.extend_clip(*clip)

    def extend_clip(self, path: str, generation_id: int | None) -> None:
        """`path` continued from its last frame, with its own settings and the chosen model; the
        clip is read off the GUI thread."""
        info = self.models.current()
        if self.session.busy:
            self.show_error("The studio is busy: extend the clip once the one being made is done.")
            return
        if info is None:
            self.show_error(NO_MODEL)
            return
        from desktop.pipeline.video_edits import extend_request

        adapter = self.models.current_adapter()
        overrides = {"motion_adapter": adapter.path if adapter is not None else "", "seed": self.form.seed.value()}
        self.status.setText(f"Reading the last frame of {Path(path).name}…")
        self.services.background.run(lambda: extend_request(path, generation_id, **overrides),
                                     lambda request: self._submit(JobKind.VIDEO, request, info,
                                                                  f"Extend {Path(path).name}", NO_MODEL,
                                                                  validate=self._validator(request, info)),
                                     lambda exc: (self.show_error(str(exc)), self.status.setText("")))

    def join_selected(self) -> None:
        from desktop.pipeline.video_edits import JoinRequest

        if self.session.busy:
            return
        chosen = self.shown.selected()
        if len(chosen) < 2:
            self.show_error("Select two or more clips to join (Ctrl+click them in the list).")
            return
        request = JoinRequest([path for path, _ in chosen], self.form.file_format.currentText(),
                              [generation_id for _, generation_id in chosen])
        self.show_error("")
        self.session.submit(JobKind.VIDEO, request, "", f"Join {len(chosen)} clips")
        self.status.setText(f"Joining {len(chosen)} clips…")
        self._update_state()

    def add_soundtrack(self, video: str, video_id: int | None, audio: str, audio_id: int | None,
                       fit: str = "loop") -> None:
        """A new clip: `video` with `audio` under it, looped (or its last frame held) to last as
        long as the sound."""
        from desktop.pipeline.soundtrack_job import SoundtrackRequest

        request = SoundtrackRequest(video, audio, fit=fit, video_generation_id=video_id, audio_generation_id=audio_id)
        self.show_error("")
        if self.session.submit(JobKind.VIDEO, request, "", f"Soundtrack: {Path(audio).name} under {Path(video).name}"):
            self.status.setText(f"Laying {Path(audio).name} under {Path(video).name}…")
        else:
            self.show_error("The Video studio is busy: add the soundtrack once the clip being made is done.")
        self._update_state()

    def _clip_menu(self, where) -> None:
        show_result_hand_offs(self, self.shown.clips, where, "video", self.hand_off.emit, PATH_ROLE, GENERATION_ROLE)
