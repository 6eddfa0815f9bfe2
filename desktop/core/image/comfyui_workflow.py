"""ComfyUI's UI graph (the `workflow` chunk) turned into the shape of its API graph (the
`prompt` chunk), so one reader walks both.

The UI graph keeps a node's settings as a bare list (`widgets_values`) in the order of the
node's widgets, and its connections in a separate `links` table. Naming the list needs each
node type's widget order, written here from ComfyUI's node definitions (nodes.py,
comfy_extras/nodes_custom_sampler.py, nodes_flux.py, nodes_sd3.py...); a seed widget is
followed by its "control_after_generate" value in the list. A node type not listed keeps
its first text widget as "text" when its name says it holds text (custom prompt nodes),
nothing else.
"""

from __future__ import annotations

from desktop.core.image.metadata_values import as_dict, as_list, is_id

_SEED = ("control_after_generate",)
WIDGETS: dict[str, tuple[str, ...]] = {
    "KSampler": ("seed", *_SEED, "steps", "cfg", "sampler_name", "scheduler", "denoise"),
    "KSamplerAdvanced": ("add_noise", "noise_seed", *_SEED, "steps", "cfg", "sampler_name", "scheduler",
                         "start_at_step", "end_at_step", "return_with_leftover_noise"),
    "SamplerCustom": ("add_noise", "noise_seed", *_SEED, "cfg"),
    "RandomNoise": ("noise_seed", *_SEED),
    "CFGGuider": ("cfg",),
    "DualCFGGuider": ("cfg_conds", "cfg_cond2_negative", "style"),
    "KSamplerSelect": ("sampler_name",),
    "BasicScheduler": ("scheduler", "steps", "denoise"),
    "KarrasScheduler": ("steps", "sigma_max", "sigma_min", "rho"),
    "ExponentialScheduler": ("steps", "sigma_max", "sigma_min"),
    "PolyexponentialScheduler": ("steps", "sigma_max", "sigma_min", "rho"),
    "LaplaceScheduler": ("steps", "sigma_max", "sigma_min", "mu", "beta"),
    "BetaSamplingScheduler": ("steps", "alpha", "beta"),
    "SDTurboScheduler": ("steps", "denoise"),
    "AlignYourStepsScheduler": ("model_type", "steps", "denoise"),
    "CLIPTextEncode": ("text",),
    "CLIPTextEncodeSDXL": ("width", "height", "crop_w", "crop_h", "target_width", "target_height",
                           "text_g", "text_l"),
    "CLIPTextEncodeSDXLRefiner": ("ascore", "width", "height", "text"),
    "CLIPTextEncodeFlux": ("clip_l", "t5xxl", "guidance"),
    "CLIPTextEncodeSD3": ("clip_l", "clip_g", "t5xxl", "empty_padding"),
    "FluxGuidance": ("guidance",),
    "ConditioningAverage": ("conditioning_to_strength",),
    "ConditioningSetArea": ("width", "height", "x", "y", "strength"),
    "ConditioningSetAreaPercentage": ("width", "height", "x", "y", "strength"),
    "ConditioningSetAreaStrength": ("strength",),
    "ConditioningSetMask": ("strength", "set_cond_area"),
    "ConditioningSetTimestepRange": ("start", "end"),
    "ControlNetApply": ("strength",),
    "ControlNetApplyAdvanced": ("strength", "start_percent", "end_percent"),
    "EmptyLatentImage": ("width", "height", "batch_size"),
    "EmptySD3LatentImage": ("width", "height", "batch_size"),
    "LatentUpscale": ("upscale_method", "width", "height", "crop"),
    "CheckpointLoaderSimple": ("ckpt_name",),
    "CheckpointLoader": ("config_name", "ckpt_name"),
    "UNETLoader": ("unet_name", "weight_dtype"),
    "UnetLoaderGGUF": ("unet_name",),
    "LoraLoader": ("lora_name", "strength_model", "strength_clip"),
    "LoraLoaderModelOnly": ("lora_name", "strength_model"),
    "CLIPSetLastLayer": ("stop_at_clip_layer",),
    "PrimitiveNode": ("value", *_SEED),
    "PrimitiveString": ("value",),
    "PrimitiveStringMultiline": ("value",),
    "PrimitiveInt": ("value", *_SEED),
    "PrimitiveFloat": ("value",),
}
# Node modes in the UI graph: muted (2) and bypassed (4) nodes do not run.
INACTIVE_MODES = (2, 4)
_TEXT_NODE_WORDS = ("text", "prompt", "string", "encode")


def workflow_as_prompt(workflow) -> dict | None:
    """{node id: {"class_type", "inputs", "mode"}} with links as [source id, output slot],
    like the API graph; None when this is not a UI graph."""
    if not isinstance(workflow, dict) or not isinstance(workflow.get("nodes"), list):
        return None
    links = _links(workflow.get("links"))
    graph = {}
    for node in workflow["nodes"]:
        if not isinstance(node, dict) or not is_id(node.get("id")) or not isinstance(node.get("type"), str):
            continue
        inputs = _widget_inputs(node["type"], node.get("widgets_values"))
        for slot in as_list(node.get("inputs")):
            slot = as_dict(slot)
            name, link = slot.get("name"), slot.get("link")
            if isinstance(name, str) and is_id(link) and link in links:
                inputs[name] = list(links[link])  # a converted widget's link wins over its stale value
        graph[str(node["id"])] = {"class_type": node["type"], "inputs": inputs, "mode": node.get("mode")}
    return graph


def _links(table) -> dict:
    """link id -> (source node id, output slot), from the list form [id, source, slot,
    target, target slot, type] or the object form {"id", "origin_id", "origin_slot", ...}."""
    links = {}
    for link in as_list(table):
        if isinstance(link, list) and len(link) >= 3:
            link_id, origin, slot = link[0], link[1], link[2]
        elif isinstance(link, dict):
            link_id, origin, slot = link.get("id"), link.get("origin_id"), link.get("origin_slot")
        else:
            continue
        if is_id(link_id) and is_id(origin):
            links[link_id] = (str(origin), slot if isinstance(slot, int) and not isinstance(slot, bool) else 0)
    return links


def _widget_inputs(node_type: str, values) -> dict:
    if isinstance(values, dict):  # some custom nodes store their widgets by name already
        return {k: v for k, v in values.items() if isinstance(k, str)}
    values = as_list(values)
    names = WIDGETS.get(node_type)
    if names is None:
        if not any(word in node_type.lower() for word in _TEXT_NODE_WORDS):
            return {}
        first_text = next((v for v in values if isinstance(v, str)), None)
        return {"text": first_text} if first_text is not None else {}
    return dict(zip(names, values))
