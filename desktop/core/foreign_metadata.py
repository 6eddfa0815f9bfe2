"""Settings written into images by other tools: ComfyUI (`prompt` API graph, `workflow`
UI graph) and InvokeAI (`invokeai_metadata`, older `sd-metadata`). Read only."""

from __future__ import annotations

import json

from desktop.core.image_settings import ImageSettings
from desktop.core.image_settings import as_float as _float
from desktop.core.image_settings import as_int as _int

_TEXT_NODES = ("CLIPTextEncode", "CLIPTextEncodeSDXL")


def parse_comfyui_prompt(text: str) -> ImageSettings | None:
    """The API-format graph: {node_id: {"class_type": ..., "inputs": {...}}}."""
    graph = _json(text)
    if not isinstance(graph, dict):
        return None
    nodes = {str(k): v for k, v in graph.items() if isinstance(v, dict) and "class_type" in v}
    sampler = next((n for n in nodes.values() if str(n["class_type"]).startswith("KSampler")), None)
    if sampler is None:
        return None
    inputs = sampler.get("inputs", {})

    def upstream(link, wanted):
        """Follow a [node_id, slot] link up the graph to the first node with input `wanted`."""
        seen = set()
        while isinstance(link, list) and link and str(link[0]) in nodes and str(link[0]) not in seen:
            seen.add(str(link[0]))
            node_inputs = nodes[str(link[0])].get("inputs", {})
            if wanted in node_inputs and not isinstance(node_inputs[wanted], list):
                return node_inputs[wanted]
            link = next((v for v in node_inputs.values() if isinstance(v, list)), None)
        return None

    latent = nodes.get(str((inputs.get("latent_image") or [None])[0]), {}).get("inputs", {})
    return ImageSettings(
        prompt=str(upstream(inputs.get("positive"), "text") or upstream(inputs.get("positive"), "text_g") or ""),
        negative=str(upstream(inputs.get("negative"), "text") or upstream(inputs.get("negative"), "text_g") or ""),
        steps=_int(inputs.get("steps")), guidance=_float(inputs.get("cfg")),
        seed=_int(inputs.get("seed", inputs.get("noise_seed"))),
        width=_int(latent.get("width")), height=_int(latent.get("height")),
        sampler=str(inputs.get("sampler_name", "")), scheduler=str(inputs.get("scheduler", "")),
        strength=_float(inputs.get("denoise")) if _float(inputs.get("denoise")) not in (None, 1.0) else None,
        model_name=str(upstream(inputs.get("model"), "ckpt_name") or ""), source="comfyui",
    )


def parse_comfyui_workflow(text: str) -> ImageSettings | None:
    """The UI-format graph (`nodes` with `widgets_values`, `links`), when no API graph is present."""
    workflow = _json(text)
    if not isinstance(workflow, dict) or not isinstance(workflow.get("nodes"), list):
        return None
    nodes = {n.get("id"): n for n in workflow["nodes"] if isinstance(n, dict)}
    links = {l[0]: l for l in workflow.get("links", []) if isinstance(l, list) and len(l) >= 4}
    sampler = next((n for n in nodes.values() if str(n.get("type", "")).startswith("KSampler")), None)
    if sampler is None:
        return None

    def source_of(input_name):
        for slot in sampler.get("inputs", []) or []:
            if slot.get("name") == input_name and slot.get("link") in links:
                return nodes.get(links[slot["link"]][1])
        return None

    def text_of(node):
        if node and node.get("type") in _TEXT_NODES and node.get("widgets_values"):
            return str(node["widgets_values"][0])
        return ""

    values = sampler.get("widgets_values") or []
    # KSampler widgets: seed, control_after_generate, steps, cfg, sampler_name, scheduler, denoise
    seed, steps, cfg, sampler_name, scheduler = (values + [None] * 7)[0], *(values + [None] * 7)[2:6]
    latent = source_of("latent_image") or {}
    size = latent.get("widgets_values") or []
    return ImageSettings(
        prompt=text_of(source_of("positive")), negative=text_of(source_of("negative")),
        steps=_int(steps), guidance=_float(cfg), seed=_int(seed), sampler=str(sampler_name or ""),
        scheduler=str(scheduler or ""),
        width=_int(size[0]) if len(size) >= 2 else None, height=_int(size[1]) if len(size) >= 2 else None,
        source="comfyui",
    )


def parse_invokeai(text: str) -> ImageSettings | None:
    data = _json(text)
    if not isinstance(data, dict):
        return None
    if "image" in data and isinstance(data["image"], dict):  # the older `sd-metadata` layout
        image = data["image"]
        prompt = image.get("prompt")
        if isinstance(prompt, list):
            prompt = " ".join(str(p.get("prompt", "")) for p in prompt if isinstance(p, dict))
        return ImageSettings(prompt=str(prompt or ""), seed=_int(image.get("seed")),
                             steps=_int(image.get("steps")), guidance=_float(image.get("cfg_scale")),
                             width=_int(image.get("width")), height=_int(image.get("height")),
                             sampler=str(image.get("sampler", "")),
                             model_name=str(data.get("model_weights", "")), source="invokeai")
    model = data.get("model") if isinstance(data.get("model"), dict) else {}
    return ImageSettings(
        prompt=str(data.get("positive_prompt", "")), negative=str(data.get("negative_prompt", "")),
        seed=_int(data.get("seed")), steps=_int(data.get("steps")), guidance=_float(data.get("cfg_scale")),
        width=_int(data.get("width")), height=_int(data.get("height")),
        scheduler=str(data.get("scheduler", "")), strength=_float(data.get("strength")),
        model_name=str(model.get("name") or model.get("model_name") or ""),
        model_hash=str(model.get("hash", "")), source="invokeai",
    )


def _json(text):
    try:
        return json.loads(text) if isinstance(text, (str, bytes)) else None
    except ValueError:
        return None
