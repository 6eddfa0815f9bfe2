"""Sampler and schedule names as A1111 writes them ("DPM++ 2M", "Karras"), from the names
other tools use: k-diffusion's in ComfyUI and Fooocus ("dpmpp_2m"), InvokeAI's
("dpmpp_2m_k" = the sampler on a Karras schedule), NovelAI's and InvokeAI 2's
("k_euler_ancestral", "k_lms"). ImageSettings.sampler holds A1111 names, so one table here
serves every reader; a name not in it is kept as written."""

from __future__ import annotations

_SAMPLERS = {
    "euler": "Euler", "euler_a": "Euler a", "euler_ancestral": "Euler a", "heun": "Heun",
    "heunpp2": "Heun++ 2", "dpm_2": "DPM2", "kdpm_2": "DPM2", "dpm_2_a": "DPM2 a", "kdpm_2_a": "DPM2 a",
    "dpm_2_ancestral": "DPM2 a", "lms": "LMS", "dpm_fast": "DPM fast", "dpm_adaptive": "DPM adaptive",
    "dpmpp_2s_ancestral": "DPM++ 2S a", "dpmpp_2s_a": "DPM++ 2S a", "dpmpp_2_a": "DPM++ 2S a",
    "dpmpp_2s": "DPM++ 2S", "dpmpp_sde": "DPM++ SDE", "dpmpp_2m": "DPM++ 2M", "dpmpp_2": "DPM++ 2M",
    "dpmpp_2m_sde": "DPM++ 2M SDE", "dpmpp_3m_sde": "DPM++ 3M SDE", "dpmpp_3m": "DPM++ 3M",
    "ddim": "DDIM", "ddim_v3": "DDIM", "plms": "PLMS", "pndm": "PLMS", "ddpm": "DDPM", "lcm": "LCM",
    "uni_pc": "UniPC", "unipc": "UniPC", "uni_pc_bh2": "UniPC", "deis": "DEIS", "ipndm": "IPNDM",
    "ipndm_v": "IPNDM_V", "restart": "Restart", "tcd": "TCD", "euler_cfg_pp": "Euler CFG++",
    "euler_ancestral_cfg_pp": "Euler a CFG++", "dpmpp_2m_cfg_pp": "DPM++ 2M CFG++",
}
_SCHEDULES = {
    "karras": "Karras", "exponential": "Exponential", "polyexponential": "Polyexponential",
    "sgm_uniform": "SGM Uniform", "simple": "Simple", "normal": "Normal", "ddim_uniform": "DDIM",
    "beta": "Beta", "kl_optimal": "KL Optimal", "linear_quadratic": "Linear Quadratic",
    "align_your_steps": "Align Your Steps", "uniform": "Uniform",
}
# The schedule a sampler node implies in ComfyUI's custom sampling (SamplerCustom's sigmas).
SCHEDULER_NODES = {
    "KarrasScheduler": "karras", "ExponentialScheduler": "exponential",
    "PolyexponentialScheduler": "polyexponential", "BetaSamplingScheduler": "beta",
    "AlignYourStepsScheduler": "align_your_steps", "SDTurboScheduler": "sd_turbo",
    "LaplaceScheduler": "laplace", "VPScheduler": "vp", "GITSScheduler": "gits",
}


def sampler_name(name: str, *, karras_suffix: bool = False) -> tuple[str, str]:
    """(A1111 sampler, schedule implied by the name or ""). `karras_suffix`: InvokeAI's
    convention that a trailing "_k" means the Karras schedule."""
    key = name.strip().lower().replace(" ", "_") if isinstance(name, str) else ""
    schedule = ""
    if karras_suffix and key.endswith("_k"):
        key, schedule = key[:-2], "Karras"
    key = key.removesuffix("_gpu")
    if key.startswith("k_") and key[2:] in _SAMPLERS:
        key = key[2:]
    return _SAMPLERS.get(key, name.strip() if isinstance(name, str) else ""), schedule


def schedule_name(name: str) -> str:
    """A1111's "Schedule type" for a tool's schedule name; "" for a tool's default
    ("native" in NovelAI, "automatic" in A1111)."""
    key = name.strip().lower().replace(" ", "_") if isinstance(name, str) else ""
    if key in ("", "native", "automatic", "default"):
        return ""
    return _SCHEDULES.get(key, name.strip())
