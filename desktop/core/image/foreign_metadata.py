"""Which reader reads which of the texts other tools write into images (read only):

    parameters          A1111 / Forge / Fooocus-A1111 text, or a JSON object: Fooocus's own
                        scheme, SwarmUI's sui_image_params
    prompt, workflow    ComfyUI's API graph and UI graph (comfyui_graph, comfyui_workflow)
    invokeai_metadata   InvokeAI 3.x-5.x; sd-metadata and Dream: InvokeAI 2.x
    Comment, Description, Software, Source: NovelAI

Every reader takes any text and returns ImageSettings or None (not that tool's layout);
none raises. Values of the wrong type read as missing: these files come from other
programs, other versions and sometimes damaged copies.
"""

from __future__ import annotations

from desktop.core.image import a1111_parameters, novelai_metadata, sampler_names
from desktop.core.image.comfyui_graph import settings_from_graph
from desktop.core.image.comfyui_workflow import workflow_as_prompt
from desktop.core.image.fooocus_metadata import is_fooocus, parse_fooocus
from desktop.core.image.image_settings import ImageSettings, as_float, as_int
from desktop.core.image.invokeai_metadata import parse_dream, parse_invokeai
from desktop.core.image.metadata_values import as_dict, json_value, number, text

__all__ = ["parse_comfyui_prompt", "parse_comfyui_workflow", "parse_invokeai", "parse_parameters",
           "settings_from_foreign"]


def parse_comfyui_prompt(text_value: str) -> ImageSettings | None:
    """The API-format graph: {node_id: {"class_type": ..., "inputs": {...}}}."""
    return settings_from_graph(json_value(text_value))


def parse_comfyui_workflow(text_value: str) -> ImageSettings | None:
    """The UI-format graph (`nodes` with `widgets_values`, `links`)."""
    return settings_from_graph(workflow_as_prompt(json_value(text_value)))


def parse_parameters(text_value: str) -> ImageSettings | None:
    """The `parameters` text (PNG chunk or EXIF UserComment): a JSON object is Fooocus's or
    SwarmUI's scheme (never a prompt); anything else is A1111 text."""
    stripped = text_value.lstrip() if isinstance(text_value, str) else ""
    if stripped.startswith("{"):
        data = json_value(stripped)
        if is_fooocus(data):
            return parse_fooocus(stripped)
        if isinstance(data, dict):
            return _swarmui(data)
    return a1111_parameters.parse_parameters(text_value) if isinstance(text_value, str) else None


def settings_from_foreign(texts: dict) -> ImageSettings | None:
    """The first settings found in ComfyUI's, InvokeAI's or NovelAI's texts, in that order."""
    for key, parse in (("prompt", parse_comfyui_prompt), ("workflow", parse_comfyui_workflow),
                       ("invokeai_metadata", parse_invokeai), ("sd-metadata", parse_invokeai),
                       ("Dream", parse_dream)):
        if texts.get(key) and (found := parse(texts[key])) is not None:
            return found
    return novelai_metadata.parse_novelai(texts)


def _swarmui(data: dict) -> ImageSettings | None:
    """SwarmUI: {"sui_image_params": {"prompt", "negativeprompt", "cfgscale", ...}}."""
    params = as_dict(data.get("sui_image_params"))
    if not params:
        return None
    return ImageSettings(
        prompt=text(params.get("prompt")), negative=text(params.get("negativeprompt")),
        steps=as_int(number(params.get("steps"))), guidance=as_float(number(params.get("cfgscale"))),
        seed=as_int(number(params.get("seed"))), width=as_int(number(params.get("width"))),
        height=as_int(number(params.get("height"))), sampler=sampler_names.sampler_name(text(params.get("sampler")))[0],
        scheduler=sampler_names.schedule_name(text(params.get("scheduler"))), model_name=text(params.get("model")), source="swarmui",
    )
