"""The worked examples the built-in base model continues (prompt_writing.py builds the openings).

Written to be imitated: each answer is one line, 6–9 comma-separated phrases, the typed words
first; concrete details, then light, style and quality words. A video expansion also says
what moves and how the camera does. A base model copies length and rhythm more than meaning,
so the examples are kept alike in shape and varied in subject.
"""

from __future__ import annotations

EXPANSION_HEADER = {
    "image": "Short image prompts, each expanded into a detailed prompt for an image generator.",
    "video": "Short video prompts, each expanded into a detailed prompt for a video generator "
             "(what moves, the camera, the light).",
}

IMAGE_EXPANSIONS = [
    ("a cat on a windowsill",
     "a cat on a windowsill, soft morning light through lace curtains, fluffy ginger fur, cozy interior, "
     "shallow depth of field, warm tones, highly detailed photograph"),
    ("castle in the mountains",
     "castle in the mountains, stone towers on a misty cliff, snowy peaks at sunset, dramatic clouds, "
     "epic fantasy landscape, matte painting, volumetric light"),
    ("portrait of an old fisherman",
     "portrait of an old fisherman, weathered face with deep wrinkles, grey beard, knitted wool cap, "
     "harbour in the background, overcast light, 85mm lens, sharp focus"),
    ("futuristic city at night",
     "futuristic city at night, neon signs reflected on wet streets, glass towers, rain, cyberpunk atmosphere, "
     "magenta and cyan glow, wide angle, ultra detailed"),
    ("a bowl of fruit",
     "a bowl of fruit, ripe pears and red apples, ceramic bowl on a wooden table, still life, "
     "soft window light, oil painting, rich colors"),
]

VIDEO_EXPANSIONS = [
    ("a cat on a windowsill",
     "a cat on a windowsill, tail slowly swaying, curtains moving in a light breeze, dust drifting in the sun, "
     "slow push-in, soft morning light, cozy interior"),
    ("waves on a beach",
     "waves on a beach, foamy surf rolling onto the sand, seagulls gliding past, golden hour, "
     "slow aerial tracking shot, cinematic, smooth motion"),
    ("a city street at night",
     "a city street at night, cars passing with light trails, people walking under umbrellas, rain falling, "
     "neon reflections, handheld camera, shallow depth of field"),
    ("a campfire in the forest",
     "a campfire in the forest, flames flickering, sparks rising into the dark, smoke drifting between pines, "
     "static close-up shot, warm orange glow, night"),
]

FROM_TEXT_HEADER = {
    "image": "Texts, each followed by a prompt for an image generator that illustrates it.",
    "music": "Texts, each followed by a prompt for a music generator: genre, instruments, mood and tempo "
             "that fit it.",
}

_TEXTS = [
    "The old harbour was quiet at dawn; only a few gulls circled over the fishing boats while the "
    "baker opened his shutters.",
    "To make the soup, soften the onions in butter, add the diced pumpkin and stock, and simmer for "
    "twenty minutes before blending.",
    "The spaceship drifted past the ringed planet, its crew asleep in their pods, while the computer "
    "counted down the years to arrival.",
    "We danced until midnight at my sister's wedding, under strings of lights in the garden, "
    "laughing with cousins we had not seen for years.",
]

IMAGE_FROM_TEXT = list(zip(_TEXTS, [
    "quiet old harbour at dawn, gulls over fishing boats, baker opening shutters, calm water, pastel sky, "
    "soft light, detailed painting",
    "bowl of creamy pumpkin soup, onions and diced pumpkin on a wooden board, steam rising, rustic kitchen, "
    "warm light, food photography",
    "spaceship drifting past a ringed planet, crew asleep in glowing pods, vast starfield, cold blue light, "
    "science fiction, cinematic",
    "wedding party dancing in a garden at night, strings of fairy lights, laughing guests, joyful mood, "
    "warm bokeh, candid photograph",
]))

MUSIC_FROM_TEXT = list(zip(_TEXTS, [
    "gentle acoustic folk, fingerpicked guitar, soft accordion, calm and nostalgic, slow tempo, 70 bpm",
    "light jazz, brushed drums, upright bass, warm piano, cozy and relaxed, medium tempo, 95 bpm",
    "ambient electronic, evolving synth pads, distant piano, vast and lonely, slow tempo, 60 bpm",
    "upbeat swing, brass section, walking bass, handclaps, joyful and festive, fast tempo, 140 bpm",
]))

# A storyboard is written in two steps, each continued from these stories: first the scenes as
# numbered "Title: narration" lines, then an image prompt for each line on its own (asked
# together, a small model copies the earlier scenes' prompts). Each story: (premise, [(title,
# image prompt, narration), ...]).
STORY_HEADER = ("Short illustrated stories, told scene by scene: each scene a title and one line of narration "
                "read aloud over its picture.\n\n")
SCENE_IMAGE_HEADER = "Scenes of illustrated stories, each followed by a prompt for an image generator that shows it."
STORIES = [
    ("a lighthouse keeper finds a message in a bottle", [
        ("The bottle", "old lighthouse keeper on rocky shore holding a glass bottle, stormy morning, "
              "crashing waves, painterly", "One grey morning, Tom found a bottle wedged between the rocks."),
        ("The message", "weathered hands unrolling a faded letter, candlelit lighthouse room, "
              "warm light, close-up", "Inside was a letter, written fifty years ago by a girl called Rose."),
        ("The answer", "lighthouse keeper writing at a wooden desk by a round window, sunset over the sea, "
              "cozy, detailed", "That evening, Tom wrote back, and sent his answer out with the tide."),
    ]),
    ("a robot learns to paint", [
        ("First brush", "small rusty robot holding a paintbrush in a sunny meadow, blank canvas on an easel, "
              "whimsical, soft colors", "Unit Seven had never held a brush before."),
        ("Mistakes", "robot covered in splashes of paint, messy canvas, puzzled expression, bright studio, "
              "playful illustration", "Its first paintings were nothing but smudges and spills."),
        ("The gallery", "robot standing proudly beside a colorful painting in a crowded gallery, "
              "warm spotlight, detailed", "A year later, people queued around the block to see its work."),
    ]),
    ("two friends climb a mountain", [
        ("The start", "two hikers with backpacks at the foot of a green valley, snowy peak far away, "
              "early morning mist, wide shot", "Mia and Leo set off before sunrise, full of hope."),
        ("The summit", "two friends cheering on a snowy summit above the clouds, golden sunlight, "
              "epic landscape", "By noon they stood on top of the world, too tired to speak."),
    ]),
]
