"""``kiln-model.json``: what the worker needs to know about an exported folder, and the sha256 of every file in it.

The worker validates it at start-up and refuses a folder whose files do not match it; the field names and rules
here and in the worker's ``ModelManifest`` must agree (the Java round-trip test reads what this module writes).
"""

import hashlib
import json
import math
import re
from pathlib import Path

from . import SCHEMA_VERSION

MANIFEST = "kiln-model.json"

FAMILIES = ("sd1", "sd2", "sdxl")
DTYPES = ("fp16", "fp32")
PREDICTION_TYPES = ("epsilon", "v_prediction")
TIMESTEP_SPACINGS = ("leading", "trailing")
SCHEDULERS = ("pndm", "ddim", "euler-ancestral", "euler", "dpm++2m", "dpm++2m-karras", "lcm")

# diffusers scheduler class -> the Kiln scheduler that renders like it; others fall back to ddim
SCHEDULER_BY_CLASS = {
    "PNDMScheduler": "pndm",
    "DDIMScheduler": "ddim",
    "EulerAncestralDiscreteScheduler": "euler-ancestral",
    "EulerDiscreteScheduler": "euler",
    "LCMScheduler": "lcm",
}

# a bound well above any CLIP text encoder's layers (SD 1.x: 12, SD 2.x: 23, SDXL's bigG: 32)
MAX_CLIP_SKIP = 64

_SIZE = re.compile(r"^(\d+)x(\d+)$")


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_sizes(text):
    """``"512x512,768x512"`` -> ``[(512, 512), (768, 512)]`` (width x height)."""
    sizes = []
    for part in text.split(","):
        match = _SIZE.match(part.strip())
        if not match:
            raise ValueError(f"a size is WIDTHxHEIGHT, e.g. 512x512; got {part!r}")
        sizes.append((int(match.group(1)), int(match.group(2))))
    return sizes


def default_scheduler(scheduler_config):
    """The Kiln scheduler for a diffusers scheduler configuration."""
    name = scheduler_config.get("_class_name")
    if name == "DPMSolverMultistepScheduler":
        # Kiln's is DPM-Solver++ 2M (diffusers' defaults: algorithm_type dpmsolver++, solver_order 2)
        if scheduler_config.get("algorithm_type", "dpmsolver++") != "dpmsolver++" \
                or scheduler_config.get("solver_order", 2) != 2:
            return "ddim"
        return "dpm++2m-karras" if scheduler_config.get("use_karras_sigmas") else "dpm++2m"
    return SCHEDULER_BY_CLASS.get(name, "ddim")


def build(out_dir, *, family, dtype, vae_dtype, latent_channels, vae_scaling_factor, sample_size, sizes, max_batch,
          prediction_type, timestep_spacing, scheduler, force_zeros_for_empty_prompt, source, exporter,
          max_clip_skip=0):
    """The manifest of the files now in ``out_dir`` (every regular file but the manifest itself)."""
    out_dir = Path(out_dir)
    files = {}
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file() and p.name != MANIFEST):
        files[path.relative_to(out_dir).as_posix()] = {"sha256": sha256(path), "size": path.stat().st_size}
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "family": family,
        "dtype": dtype,
        "vae_dtype": vae_dtype,
        "latent_channels": latent_channels,
        "vae_scaling_factor": vae_scaling_factor,
        "sample_size": sample_size,
        "sizes": [{"width": w, "height": h} for (w, h) in sizes],
        "max_batch": max_batch,
        "prediction_type": prediction_type,
        "timestep_spacing": timestep_spacing,
        "default_scheduler": scheduler,
        "force_zeros_for_empty_prompt": force_zeros_for_empty_prompt,
        "max_clip_skip": max_clip_skip,
        "source": source,
        "exporter": exporter,
        "files": files,
    }
    validate(manifest)
    return manifest


def required_files(family):
    files = ["text_encoder.pt", "unet.pt", "vae_decoder.pt", "vae_encoder.pt", "tokenizer.json"]
    if family == "sdxl":
        files += ["text_encoder_2.pt", "tokenizer_2.json"]
    return files


def validate(manifest):
    """Raises ValueError naming the first field that breaks the rules the worker applies."""
    def fail(field, rule, value):
        raise ValueError(f"{MANIFEST}: field '{field}' must be {rule} but was {value!r}")

    def need(field):
        if field not in manifest:
            raise ValueError(f"{MANIFEST}: field '{field}' is missing")
        return manifest[field]

    if need("schema_version") != SCHEMA_VERSION:
        fail("schema_version", str(SCHEMA_VERSION), manifest["schema_version"])
    for field, allowed in (("family", FAMILIES), ("dtype", DTYPES), ("vae_dtype", DTYPES),
                           ("prediction_type", PREDICTION_TYPES), ("timestep_spacing", TIMESTEP_SPACINGS),
                           ("default_scheduler", SCHEDULERS)):
        if need(field) not in allowed:
            fail(field, "one of " + ", ".join(allowed), manifest[field])
    if manifest["default_scheduler"] == "pndm" and manifest["timestep_spacing"] != "leading":
        fail("default_scheduler", "a scheduler other than pndm with trailing timesteps", "pndm")
    for field, low, high in (("latent_channels", 1, 64), ("sample_size", 8, 512), ("max_batch", 1, 64)):
        value = need(field)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            fail(field, f"an integer from {low} to {high}", value)
    # optional (exports before clip skip have none: 0); the text encoders return max_clip_skip + 1 skipped states
    clip_skip = manifest.get("max_clip_skip", 0)
    if not isinstance(clip_skip, int) or isinstance(clip_skip, bool) or not 0 <= clip_skip <= MAX_CLIP_SKIP:
        fail("max_clip_skip", f"an integer from 0 to {MAX_CLIP_SKIP}", clip_skip)
    scaling = need("vae_scaling_factor")
    if not isinstance(scaling, (int, float)) or not math.isfinite(scaling) or scaling <= 0:
        fail("vae_scaling_factor", "a positive number", scaling)
    if not isinstance(need("force_zeros_for_empty_prompt"), bool):
        fail("force_zeros_for_empty_prompt", "true or false", manifest["force_zeros_for_empty_prompt"])
    sizes = need("sizes")
    if not isinstance(sizes, list) or not sizes:
        fail("sizes", "a non-empty list of {width, height}", sizes)
    for size in sizes:
        w, h = (size.get("width"), size.get("height")) if isinstance(size, dict) else (None, None)
        if not all(isinstance(v, int) and 64 <= v <= 2048 and v % 64 == 0 for v in (w, h)):
            fail("sizes", "{width, height} pairs, multiples of 64 from 64 to 2048", size)
    files = need("files")
    if not isinstance(files, dict) or not files:
        fail("files", "a non-empty map of file name to {sha256, size}", files)
    for name, entry in files.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
                and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]) and isinstance(entry.get("size"), int)
                and entry["size"] >= 0):
            fail(f"files.{name}", "{sha256: 64 lower-case hex digits, size: bytes}", entry)
    for name in required_files(manifest["family"]):
        if name not in files:
            fail("files", f"a map listing {name} (needed by family {manifest['family']})", sorted(files))


def write(out_dir, manifest):
    path = Path(out_dir) / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def verify(out_dir):
    """Reads and validates the manifest in ``out_dir`` and checks every file's size and sha256 against it."""
    out_dir = Path(out_dir)
    manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    validate(manifest)
    for name, entry in manifest["files"].items():
        path = out_dir / name
        if not path.is_file():
            raise ValueError(f"{MANIFEST} lists {name} but {out_dir} has no such file")
        if path.stat().st_size != entry["size"] or sha256(path) != entry["sha256"]:
            raise ValueError(f"{name}: its sha256 differs from the one {MANIFEST} lists")
    return manifest
