"""Settings from a ComfyUI graph in API form ({node id: {"class_type", "inputs"}}, links as
[source id, output slot]); the UI form is converted to it by comfyui_workflow.

The graph is walked backwards from the sampler that made the image:
- KSampler / KSamplerAdvanced / SamplerCustom hold seed, steps, cfg and the positive and
  negative conditioning themselves; SamplerCustomAdvanced spreads them over its inputs:
  `noise` (RandomNoise's seed), `guider` (CFGGuider's positive/negative/cfg, BasicGuider's
  conditioning, DualCFGGuider's cond1 + cond2), `sampler` (KSamplerSelect) and `sigmas`
  (BasicScheduler's scheduler/steps/denoise, KarrasScheduler..., through SplitSigmas...).
- Conditioning is followed through combining nodes (ConditioningCombine, Concat, Average,
  SetArea, SetMask, ControlNet...) collecting every text encoder's text, the main branch
  (conditioning_1, conditioning_to) first; a ControlNetApplyAdvanced-like node (positive
  and negative in, both out) is followed on the side the link leaves from; a zeroed-out
  conditioning adds no text. A text input fed by another node (a primitive string, a
  concatenation) is resolved too.
Every walk is bounded (visited sets, a depth and a visit budget): the graph is untrusted.
"""

from __future__ import annotations

import re

from desktop.core.image import sampler_names
from desktop.core.image.comfyui_workflow import INACTIVE_MODES
from desktop.core.image.image_settings import ImageSettings, as_float, as_int
from desktop.core.image.metadata_values import as_dict, is_id, join_unique, number, text

SAMPLER_CLASSES = ("KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced")
# Text inputs of encoders, the main one first (SDXL's G encoder, Flux's and SD3's T5).
ENCODER_TEXT_KEYS = ("text", "text_g", "t5xxl", "clip_g", "clip_l", "text_l", "prompt", "bert", "mt5xl")
STRING_KEYS = ("text", "value", "string", "prompt", "STRING")
_JOINED_STRING = re.compile(r"(text|string)_?[a-z0-9]{1,3}")
_SAMPLER_NODE_NAMES = {"SamplerEulerAncestral": "euler_ancestral", "SamplerLMS": "lms",
                       "SamplerDPMAdaptative": "dpm_adaptive", "SamplerEulerAncestralCFGPP": "euler_ancestral_cfg_pp"}
MAX_DEPTH = 64
MAX_VISITS = 5_000


def settings_from_graph(graph) -> ImageSettings | None:
    """The settings of the image a ComfyUI API graph made; None without a sampler."""
    if not isinstance(graph, dict):
        return None
    nodes = {str(k): v for k, v in graph.items()
             if isinstance(v, dict) and isinstance(v.get("class_type"), str) and v.get("mode") not in INACTIVE_MODES}
    return _Reader(nodes).read()


class _Reader:
    def __init__(self, nodes: dict):
        self.nodes = nodes
        self.budget = MAX_VISITS
        self.flux_guidance = None

    # -- the graph ------------------------------------------------------------------------

    def source(self, link):
        """(node id, node, output slot) a [node id, slot] link comes from, or None."""
        if not (isinstance(link, list) and len(link) >= 1 and is_id(link[0])) or self.budget <= 0:
            return None
        self.budget -= 1
        node_id = str(link[0])
        if node_id not in self.nodes:
            return None
        slot = link[1] if len(link) > 1 and isinstance(link[1], int) and not isinstance(link[1], bool) else 0
        return node_id, self.nodes[node_id], slot

    def linked(self, link):
        found = self.source(link)
        return found[1] if found else {}

    @staticmethod
    def inputs(node) -> dict:
        return as_dict(as_dict(node).get("inputs"))

    def value(self, value, names=("value",), depth=0):
        """A scalar input, following links to the node that holds it (a primitive, a seed node)."""
        if not isinstance(value, list):
            return value
        node = self.linked(value)
        if not node or depth > 8:
            return None
        inputs = self.inputs(node)
        for name in (*names, "value", "seed", "int", "float", "number"):
            if name in inputs:
                return self.value(inputs[name], names, depth + 1)
        return None

    def string(self, value, slot=0, depth=0) -> str:
        """A text input, resolving a link to a string node (primitive, concatenation)."""
        if not isinstance(value, list):
            return text(value)
        found = self.source(value)
        if found is None or depth > 16:
            return ""
        _, node, slot = found
        inputs = self.inputs(node)
        # A prompt styler's second output is its negative text.
        keys = ("text_negative", *STRING_KEYS) if slot == 1 else (*STRING_KEYS, "text_positive")
        for key in keys:
            if key in inputs and (resolved := self.string(inputs[key], 0, depth + 1)):
                return resolved
        parts = [self.string(v, 0, depth + 1) for k, v in sorted(inputs.items()) if _JOINED_STRING.fullmatch(k)]
        delimiter = inputs.get("delimiter") if isinstance(inputs.get("delimiter"), str) else " "
        return delimiter.join(p for p in parts if p)

    # -- conditioning ---------------------------------------------------------------------

    def conditioning(self, *links) -> str:
        texts: list[str] = []
        seen: set = set()
        for link in links:
            self._collect(link, texts, seen, 0)
        return join_unique(texts)

    def _collect(self, link, texts: list, seen: set, depth: int) -> None:
        found = self.source(link)
        if found is None or depth > MAX_DEPTH or (found[0], found[2]) in seen:
            return
        node_id, node, slot = found
        seen.add((node_id, slot))
        kind, inputs = node["class_type"], self.inputs(node)
        if kind == "ConditioningZeroOut":
            return
        if kind == "FluxGuidance" and self.flux_guidance is None:
            self.flux_guidance = as_float(number(self.value(inputs.get("guidance"))))
        encoded = [self.string(inputs[k]) for k in ENCODER_TEXT_KEYS if k in inputs]
        if any(encoded):
            texts.extend(encoded)
            if kind == "CLIPTextEncodeFlux" and self.flux_guidance is None:
                self.flux_guidance = as_float(number(self.value(inputs.get("guidance"))))
            return
        if isinstance(inputs.get("positive"), list) and isinstance(inputs.get("negative"), list):
            self._collect(inputs["negative" if slot == 1 else "positive"], texts, seen, depth + 1)
            return
        onward = [(k, v) for k, v in inputs.items() if isinstance(v, list) and ("cond" in k.lower() or k == "")]
        for _, upstream in sorted(onward, key=lambda kv: kv[0].endswith(("_from", "_2", "2"))):
            self._collect(upstream, texts, seen, depth + 1)

    # -- the sampler and what feeds it ----------------------------------------------------

    def main_sampler(self):
        """The first sampler starting from an empty latent (a txt2img pass, not a refiner or
        hires pass), else the first sampler."""
        samplers = [n for n in self.nodes.values() if _is_sampler(n)]
        for node in samplers:
            latent = self.linked(self.inputs(node).get("latent_image"))
            if "empty" in as_dict(latent).get("class_type", "").lower():
                return node
        return samplers[0] if samplers else None

    def follow(self, link, wanted: tuple[str, ...], through: tuple[str, ...]):
        """The first node up a chain (through inputs named `through`) holding any of `wanted`."""
        for _ in range(MAX_DEPTH):
            node = self.linked(link)
            if not node:
                return {}
            inputs = self.inputs(node)
            if any(k in inputs and not isinstance(inputs[k], list) for k in wanted):
                return node
            link = next((inputs[k] for k in through if isinstance(inputs.get(k), list)), None)
        return {}

    def read(self) -> ImageSettings | None:
        sampler = self.main_sampler()
        if sampler is None:
            return None
        inputs = self.inputs(sampler)
        guider = self.inputs(self.linked(inputs.get("guider")))
        noise = self.inputs(self.linked(inputs.get("noise")))
        sigmas_node = self.follow(inputs.get("sigmas"), ("steps", "scheduler"), ("sigmas",))
        sigmas = self.inputs(sigmas_node)

        positive = [inputs.get("positive") or guider.get("positive") or guider.get("conditioning")
                    or guider.get("cond1"), guider.get("cond2")]
        negative = inputs.get("negative") or guider.get("negative")
        prompt, negative_text = self.conditioning(*positive), self.conditioning(negative)

        seed = self.value(inputs.get("seed", inputs.get("noise_seed", noise.get("noise_seed"))), ("seed", "noise_seed"))
        steps = self.value(inputs.get("steps", sigmas.get("steps")), ("steps",))
        cfg = as_float(number(self.value(inputs.get("cfg", guider.get("cfg", guider.get("cfg_conds"))), ("cfg",))))
        guidance = cfg
        if self.flux_guidance is not None and cfg in (None, 1.0):  # Flux dev: the guidance is embedded
            guidance = self.flux_guidance
        denoise = as_float(number(self.value(inputs.get("denoise", sigmas.get("denoise")), ("denoise",))))

        sampler_name = text(self.value(inputs.get("sampler_name"), ("sampler_name",)))
        if not sampler_name and (chosen := self.linked(inputs.get("sampler"))):
            kind = chosen["class_type"]
            sampler_name = text(self.value(self.inputs(chosen).get("sampler_name"), ("sampler_name",))) or \
                _SAMPLER_NODE_NAMES.get(kind, kind.removeprefix("Sampler").lower() if kind.startswith("Sampler") else "")
        schedule = text(self.value(inputs.get("scheduler", sigmas.get("scheduler")), ("scheduler",)))
        if not schedule and sigmas_node:
            schedule = sampler_names.SCHEDULER_NODES.get(sigmas_node["class_type"], "")
        sampler, implied = sampler_names.sampler_name(sampler_name)

        size = self.inputs(self.follow(inputs.get("latent_image"), ("width", "height"),
                                       ("samples", "latent", "latent_image", "pixels", "image")))
        model_link = inputs.get("model") or guider.get("model") or sigmas.get("model")
        model = self.inputs(self.follow(model_link, ("ckpt_name", "unet_name", "model_name"), ("model",)))
        return ImageSettings(
            prompt=prompt, negative=negative_text, seed=as_int(number(seed)), steps=as_int(number(steps)),
            guidance=guidance, sampler=sampler, scheduler=sampler_names.schedule_name(schedule) or implied,
            width=as_int(number(size.get("width"))), height=as_int(number(size.get("height"))),
            strength=denoise if denoise not in (None, 1.0) else None,
            model_name=text(model.get("ckpt_name") or model.get("unet_name") or model.get("model_name")),
            source="comfyui",
        )


def _is_sampler(node: dict) -> bool:
    kind = node["class_type"]
    inputs = as_dict(node.get("inputs"))
    return (kind in SAMPLER_CLASSES or kind.startswith("KSampler")
            or ("guider" in inputs and "sigmas" in inputs)
            or ("positive" in inputs and "negative" in inputs and ("seed" in inputs or "noise_seed" in inputs)))
