"""Exports a set of diffusers-shaped components into a folder the Kiln worker loads."""

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import torch

from . import manifest as manifests
from . import tokenizer as tokenizers
from . import trace as tracing


@dataclass
class Components:
    """What a Stable Diffusion pipeline holds, as the export needs it.

    The modules are diffusers' (or stand-ins with their call signatures); tokenizer_dir(s) hold CLIP's vocab.json and
    merges.txt; scheduler_config is diffusers' scheduler_config.json as a dict; pipeline_config is model_index.json's.
    """

    text_encoder: Any
    unet: Any
    vae: Any
    tokenizer_dir: Path
    scheduler_config: dict
    text_encoder_2: Any = None
    tokenizer_2_dir: Optional[Path] = None
    pipeline_config: dict = field(default_factory=dict)


def detect_family(components):
    """sdxl when there is a second text encoder; sd2 when the text encoder is 1024 wide (OpenCLIP-H); else sd1."""
    if components.text_encoder_2 is not None:
        return "sdxl"
    width = getattr(getattr(components.text_encoder, "config", None), "hidden_size", None)
    return "sd2" if width == 1024 else "sd1"


def _config(module, name, default=None):
    config = getattr(module, "config", None)
    value = getattr(config, name, None) if config is not None else None
    if value is None and isinstance(config, dict):
        value = config.get(name)
    return default if value is None else value


def _max_clip_skip(encoders, sdxl, plan, device, torch_dtype):
    """The clip skip every text encoder can honour (the smallest of theirs); 0 when one of them has no
    ``text_model.final_layer_norm`` that SD 1.x/2.x's clip skip needs."""
    skips = []
    for _, encoder in encoders:
        if not sdxl and getattr(getattr(encoder, "text_model", None), "final_layer_norm", None) is None:
            return 0
        encoder.to(device, torch_dtype).eval()
        skips.append(tracing.clip_skip_layers(encoder, sdxl, plan))
    return min(skips)


def export(components, out_dir, *, family=None, dtype="fp32", sizes=None, max_batch=4, scheduler=None,
           device="cpu", source="", log=print):
    """Traces, checks and writes every file, then the manifest; returns the manifest dict.

    out_dir must be empty or absent. Raises ValueError for options that do not fit the components.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ValueError(f"{out_dir} is not empty; export into a new folder")
    if dtype not in manifests.DTYPES:
        raise ValueError(f"--dtype must be one of {', '.join(manifests.DTYPES)}")
    if dtype == "fp16" and torch.device(device).type == "cpu":
        raise ValueError("--dtype fp16 needs --device cuda: PyTorch's CPU kernels do not run every fp16 operation")
    detected = detect_family(components)
    family = family or detected
    if family not in manifests.FAMILIES:
        raise ValueError(f"--family must be one of {', '.join(manifests.FAMILIES)}")
    if (family == "sdxl") != (detected == "sdxl"):
        raise ValueError(f"--family {family} does not fit these components (they look like {detected})")
    if not 1 <= max_batch <= 64:
        raise ValueError("--max-batch must be from 1 to 64")
    sample_size = int(_config(components.unet, "sample_size"))
    sizes = list(sizes) if sizes else [(sample_size * 8, sample_size * 8)]
    for width, height in sizes:
        if width % 64 or height % 64 or not 64 <= width <= 2048 or not 64 <= height <= 2048:
            raise ValueError(f"size {width}x{height}: sides must be multiples of 64 from 64 to 2048")
    scheduler_config = dict(components.scheduler_config)
    prediction_type = scheduler_config.get("prediction_type") or "epsilon"
    spacing = scheduler_config.get("timestep_spacing") or "leading"
    if spacing not in manifests.TIMESTEP_SPACINGS:
        raise ValueError(f"scheduler timestep_spacing {spacing!r} is not supported (leading or trailing)")
    scheduler = scheduler or manifests.default_scheduler(scheduler_config)
    if scheduler == "pndm" and spacing != "leading":
        scheduler = "ddim"
    vae_dtype = dtype
    if dtype == "fp16" and bool(_config(components.vae, "force_upcast", False)):
        vae_dtype = "fp32"  # SDXL's VAE overflows in fp16; diffusers upcasts it too
    latent_channels = int(_config(components.unet, "in_channels", 4))
    scaling = float(_config(components.vae, "scaling_factor", 0.18215))

    vocab = json.loads((Path(components.tokenizer_dir) / "vocab.json").read_text(encoding="utf-8"))
    plan = tracing.Plan(sizes, max_batch, latent_channels, vocab[tokenizers.BEGIN_OF_TEXT],
                        vocab[tokenizers.END_OF_TEXT], dtype, vae_dtype, device)
    torch_dtype = tracing.TORCH_DTYPES[dtype]
    sdxl = family == "sdxl"
    encoders = [("text_encoder.pt", components.text_encoder)]
    if sdxl:
        encoders.append(("text_encoder_2.pt", components.text_encoder_2))

    out_dir.mkdir(parents=True, exist_ok=True)
    max_clip_skip = _max_clip_skip(encoders, sdxl, plan, device, torch_dtype)
    traced_encoders = []
    for name, encoder in encoders:
        encoder.to(device, torch_dtype).eval()
        log(f"tracing {name}" + (f" (clip skip up to {max_clip_skip})" if max_clip_skip else ""))
        traced = tracing.trace_text_encoder(name, encoder, sdxl, plan, max_clip_skip)
        traced.save(str(out_dir / name))
        traced_encoders.append(traced)
    text_dim, pooled_dim = tracing.embedding_dims(traced_encoders, plan)
    del traced_encoders
    components.unet.to(device, torch_dtype).eval()
    log(f"tracing unet.pt (rows and sizes checked: {plan.unet_shapes()})")
    tracing.trace_unet(components.unet, sdxl, text_dim, pooled_dim, plan).save(str(out_dir / "unet.pt"))
    components.vae.to(device, tracing.TORCH_DTYPES[vae_dtype]).eval()
    log("tracing vae_decoder.pt and vae_encoder.pt")
    decoder, encoder = tracing.trace_vae(components.vae, plan)
    decoder.save(str(out_dir / "vae_decoder.pt"))
    encoder.save(str(out_dir / "vae_encoder.pt"))

    tokenizers.write_tokenizer(components.tokenizer_dir, out_dir / "tokenizer.json")
    if sdxl:
        tokenizers.write_tokenizer(components.tokenizer_2_dir, out_dir / "tokenizer_2.json")
    (out_dir / "scheduler_config.json").write_text(json.dumps(scheduler_config, indent=2, default=list) + "\n",
                                                  encoding="utf-8")
    for name in ("special_tokens_map.json",):
        source_file = Path(components.tokenizer_dir) / name
        if source_file.is_file():
            shutil.copyfile(source_file, out_dir / name)

    exporter = {"torch": torch.__version__}
    try:  # the stand-in tests run without diffusers
        import diffusers  # noqa: PLC0415
        exporter["diffusers"] = diffusers.__version__
    except ImportError:
        pass
    manifest = manifests.build(
        out_dir, family=family, dtype=dtype, vae_dtype=vae_dtype, latent_channels=latent_channels,
        vae_scaling_factor=scaling, sample_size=sample_size, sizes=sizes, max_batch=max_batch,
        prediction_type=prediction_type, timestep_spacing=spacing, scheduler=scheduler,
        force_zeros_for_empty_prompt=bool(components.pipeline_config.get("force_zeros_for_empty_prompt", False)),
        source=source, exporter=exporter, max_clip_skip=max_clip_skip)
    manifests.write(out_dir, manifest)
    log(f"wrote {out_dir / manifests.MANIFEST}: {family}, {dtype}, sizes {sizes}, max batch {max_batch},"
        f" {prediction_type}, {scheduler}")
    return manifest
