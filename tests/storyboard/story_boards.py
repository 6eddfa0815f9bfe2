"""A storyboard of 2–3 scenes at 64×64 in 1–2 steps for the tiny models, so a whole run takes
seconds."""


def tiny_board(story_models, voice, scenes: int = 2, clips: bool = False, music: str = "", seed: int = 11):
    from desktop.pipeline.storyboard import StoryModels, StoryScene, Storyboard

    lines = [("The fox", "a red fox in snow, watercolor", "A small fox woke up in the snow."),
             ("The hill", "a snowy hill at dawn, soft light", "She climbed the hill to see the sun."),
             ("The sky", "a flock of birds in a pink sky", "And the birds taught her to fly.")]
    models = StoryModels(image=str(story_models / "sd"), voice=str(voice),
                         video=str(story_models / "sd") if clips else "",
                         motion_adapter=str(story_models / "motion") if clips else "", music=str(music or ""))
    return Storyboard("A fox who learns to fly", [StoryScene(*line) for line in lines[:scenes]], models, seed=seed,
                      width=64, height=64, steps=1, guidance=1.0, clip_frames=4, clip_steps=2, clip_guidance=1.0,
                      fps=8, music_prompt="soft piano, calm, slow" if music else "")
