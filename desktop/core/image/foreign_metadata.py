"""Settings written into images by other tools: ComfyUI (`prompt` API graph, `workflow`
UI graph) and InvokeAI (`invokeai_metadata`, older `sd-metadata`). Read only.

Every parser takes any text and returns ImageSettings or None (not JSON, not that tool's
layout); none raises. Values of the wrong type read as missing: these files come from
other programs, other versions and sometimes damaged copies.
"""

from __future__ import annotations

import json

from desktop.core.image.image_settings import ImageSettings
from desktop.core.image.image_settings import as_float as _float
from desktop.core.image.image_settings import as_int as _int

_TEXT_NODES = ("CLIPTextEncode", "CLIPTextEncodeSDXL")


def parse_comfyui_prompt(text: str) -> ImageSettings | None:
    """The API-format graph: {node_id: {"class_type": ..., "inputs": {...}}}."""
    graph = _json(text)
    if not isinstance(graph, dict):
        return None
    nodes = {str(k): v for k, v in graph.items() if isinstance(v, dict) and "class_type" in v}
    sampler = next((n for n in nodes.values() if _text(n["class_type"]).startswith("KSampler")), None)
    if sampler is None:
        return None
    inputs = _dict(sampler.get("inputs"))

    def upstream(link, wanted):
        """Follow a [node_id, slot] link up the graph to the first node with input `wanted`."""
        seen = set()
        while (node_id := _link_source(link)) in nodes and node_id not in seen:
            seen.add(node_id)
            node_inputs = _dict(nodes[node_id].get("inputs"))
            if wanted in node_inputs and not isinstance(node_inputs[wanted], list):
                return node_inputs[wanted]
            link = next((v for v in node_inputs.values() if isinstance(v, list)), None)
        return None

    latent = _dict(_dict(nodes.get(_link_source(inputs.get("latent_image")))).get("inputs"))
    denoise = _float(inputs.get("denoise"))
    return ImageSettings(
        prompt=_text(upstream(inputs.get("positive"), "text") or upstream(inputs.get("positive"), "text_g")),
        negative=_text(upstream(inputs.get("negative"), "text") or upstream(inputs.get("negative"), "text_g")),
        steps=_int(inputs.get("steps")), guidance=_float(inputs.get("cfg")),
        seed=_int(inputs.get("seed", inputs.get("noise_seed"))),
        width=_int(latent.get("width")), height=_int(latent.get("height")),
        sampler=_text(inputs.get("sampler_name")), scheduler=_text(inputs.get("scheduler")),
        strength=denoise if denoise not in (None, 1.0) else None,
        model_name=_text(upstream(inputs.get("model"), "ckpt_name")), source="comfyui",
    )


def parse_comfyui_workflow(text: str) -> ImageSettings | None:
    """The UI-format graph (`nodes` with `widgets_values`, `links`), when no API graph is present."""
    workflow = _json(text)
    if not isinstance(workflow, dict) or not isinstance(workflow.get("nodes"), list):
        return None
    nodes = {n["id"]: n for n in workflow["nodes"] if isinstance(n, dict) and _is_id(n.get("id"))}
    links = {l[0]: l for l in _list(workflow.get("links")) if isinstance(l, list) and len(l) >= 4 and _is_id(l[0])}
    sampler = next((n for n in nodes.values() if _text(n.get("type")).startswith("KSampler")), None)
    if sampler is None:
        return None

    def source_of(input_name):
        for slot in _list(sampler.get("inputs")):
            link = slot.get("link") if isinstance(slot, dict) and slot.get("name") == input_name else None
            if _is_id(link) and link in links and _is_id(links[link][1]):
                return _dict(nodes.get(links[link][1]))
        return {}

    def text_of(node):
        values = _list(node.get("widgets_values"))
        return _text(values[0]) if node.get("type") in _TEXT_NODES and values else ""

    values = _list(sampler.get("widgets_values"))
    # KSampler widgets: seed, control_after_generate, steps, cfg, sampler_name, scheduler, denoise
    seed, _control, steps, cfg, sampler_name, scheduler = (values + [None] * 6)[:6]
    size = _list(source_of("latent_image").get("widgets_values"))
    return ImageSettings(
        prompt=text_of(source_of("positive")), negative=text_of(source_of("negative")),
        steps=_int(steps), guidance=_float(cfg), seed=_int(seed), sampler=_text(sampler_name),
        scheduler=_text(scheduler),
        width=_int(size[0]) if len(size) >= 2 else None, height=_int(size[1]) if len(size) >= 2 else None,
        source="comfyui",
    )


def parse_invokeai(text: str) -> ImageSettings | None:
    data = _json(text)
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("image"), dict):  # the older `sd-metadata` layout
        image = data["image"]
        prompt = image.get("prompt")
        if isinstance(prompt, list):
            prompt = " ".join(_text(p.get("prompt")) for p in prompt if isinstance(p, dict))
        return ImageSettings(prompt=_text(prompt), seed=_int(image.get("seed")),
                             steps=_int(image.get("steps")), guidance=_float(image.get("cfg_scale")),
                             width=_int(image.get("width")), height=_int(image.get("height")),
                             sampler=_text(image.get("sampler")),
                             model_name=_text(data.get("model_weights")), source="invokeai")
    model = _dict(data.get("model"))
    return ImageSettings(
        prompt=_text(data.get("positive_prompt")), negative=_text(data.get("negative_prompt")),
        seed=_int(data.get("seed")), steps=_int(data.get("steps")), guidance=_float(data.get("cfg_scale")),
        width=_int(data.get("width")), height=_int(data.get("height")),
        scheduler=_text(data.get("scheduler")), strength=_float(data.get("strength")),
        model_name=_text(model.get("name") or model.get("model_name")),
        model_hash=_text(model.get("hash")), source="invokeai",
    )


def _json(text):
    try:
        return json.loads(text) if isinstance(text, (str, bytes)) else None
    except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        return None


def _text(value) -> str:
    """A text field: strings as they are, numbers written out, anything else (lists,
    objects, which could be huge or deeply nested) as missing."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _is_id(value) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _link_source(link) -> str | None:
    """The node id a [node_id, slot] link comes from."""
    return str(link[0]) if isinstance(link, list) and link and _is_id(link[0]) else None
