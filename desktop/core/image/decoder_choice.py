"""Which decoder turns an image's latents into pixels: the model's own VAE ("full") or a tiny
autoencoder (TAESD / TAESDXL, "tiny"). On a CPU the full SD VAE costs more than a one-step
Turbo image's UNet (9.1 s against 1.9 s at 512² in bf16 on the 2-core development machine;
TAESD 0.7 s), so "auto" takes TAESD for a few-step run on a CPU, where the decode dominates
and the few-step models' own softness hides TAESD's. The full VAE stays one choice away, and
every image records the decoder that made it."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.errors import UserFacingError

AUTO, FULL, TINY = "auto", "full", "tiny"
DECODERS = (AUTO, FULL, TINY)
FEW_STEPS = 4  # Turbo / LCM / Lightning runs: 1–4 steps
GET_TAESD = "get TAESD from Models › Catalog"


@dataclass(frozen=True)
class DecoderChoice:
    decoder: str        # FULL or TINY: what decodes this image
    wanted_tiny: bool   # the choice (or "auto") asked for the tiny one
    note: str = ""      # why a tiny decoder that was asked for is not used, and how to get one


def check(choice: str) -> None:
    if choice not in DECODERS:
        raise UserFacingError(f"The decoder must be one of {', '.join(DECODERS)} (got {choice!r}).")


def is_few_step(steps: int, few_step_model: bool) -> bool:
    """A run the tiny decoder suits: 1–4 steps, or a model made for few steps (the catalog's
    `max_steps`), however many steps were asked for."""
    return few_step_model or 1 <= steps <= FEW_STEPS


def resolve(choice: str, *, steps: int, few_step_model: bool, device: str, tiny_problem: str | None) -> DecoderChoice:
    """`tiny_problem`: None when a tiny autoencoder that fits the model is loaded, else why
    not ("no TAESD was found", "…does not fit this model"). A tiny decoder asked for by name
    but missing falls back to the full VAE with a note; "auto" falls back quietly (the
    status line says which decoder ran)."""
    check(choice)
    wanted = choice == TINY or (choice == AUTO and device == "cpu" and is_few_step(steps, few_step_model))
    if not wanted:
        return DecoderChoice(FULL, False)
    if tiny_problem is None:
        return DecoderChoice(TINY, True)
    note = f"Decoded with the full VAE: {tiny_problem} ({GET_TAESD} for a decode about 10× faster)." \
        if choice == TINY else ""
    return DecoderChoice(FULL, True, note)


def display_name(decoder: str, sdxl: bool) -> str:
    """The name other tools' metadata and the status line use."""
    if decoder == TINY:
        return "TAESDXL" if sdxl else "TAESD"
    return "Full VAE"
