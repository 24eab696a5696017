#!/usr/bin/env python3
"""Exports a Stable Diffusion model (a diffusers folder or a Hugging Face model id) into a folder the Kiln worker
loads: traced TorchScript modules, CLIP tokenizer.json, scheduler_config.json and the kiln-model.json manifest.

    python export.py stable-diffusion-v1-5/stable-diffusion-v1-5 out/sd15 --dtype fp16 --device cuda

See README.md beside this file. diffusers and transformers are imported only here, on the real export path.
"""

import argparse
import json
import sys
from pathlib import Path

from kiln_export import manifest as manifests
from kiln_export import pipeline

# what is fetched of a model id: the diffusers folders, safetensors weights, no duplicate formats or variants
ALLOW = ["model_index.json", "scheduler/*", "tokenizer/*", "tokenizer_2/*", "text_encoder/*", "text_encoder_2/*",
         "unet/*", "vae/*"]
IGNORE = ["*.bin", "*.ckpt", "*.msgpack", "*.onnx", "*.onnx_data", "*.pb", "*.h5", "*non_ema*", "*.fp16.*"]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="a diffusers folder, or a Hugging Face model id")
    parser.add_argument("out_dir", help="a new (empty) folder to write to")
    parser.add_argument("--dtype", choices=manifests.DTYPES, default="fp16")
    parser.add_argument("--family", choices=manifests.FAMILIES, help="default: detected from the model")
    parser.add_argument("--sizes", type=manifests.parse_sizes,
                        help="WIDTHxHEIGHT,... the worker may render (each traced and checked); default: the"
                             " model's native square size")
    parser.add_argument("--max-batch", type=int, default=4, help="most images per pass (default 4)")
    parser.add_argument("--scheduler", choices=manifests.SCHEDULERS,
                        help="the worker's default sampler; default: the model's own when Kiln has it, else ddim")
    parser.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available); trace on the"
                                                        " kind of device the worker will serve on")
    return parser.parse_args(argv)


def load_components(source, dtype):
    """Loads a diffusers pipeline's parts (downloading a model id's diffusers folders first)."""
    try:
        import torch  # noqa: PLC0415
        from diffusers import DiffusionPipeline  # noqa: PLC0415
    except ImportError as ex:
        sys.exit(f"export.py needs the packages in requirements.txt ({ex}): pip install -r requirements.txt")
    folder = Path(source)
    if not folder.is_dir():
        from huggingface_hub import snapshot_download  # noqa: PLC0415
        folder = Path(snapshot_download(source, allow_patterns=ALLOW, ignore_patterns=IGNORE))
    torch_dtype = torch.float16 if dtype == "fp16" else torch.float32
    pipe = DiffusionPipeline.from_pretrained(folder, torch_dtype=torch_dtype)
    scheduler_file = folder / "scheduler" / "scheduler_config.json"
    index = folder / "model_index.json"
    return pipeline.Components(
        text_encoder=pipe.text_encoder,
        text_encoder_2=getattr(pipe, "text_encoder_2", None),
        unet=pipe.unet,
        vae=pipe.vae,
        tokenizer_dir=folder / "tokenizer",
        tokenizer_2_dir=(folder / "tokenizer_2") if (folder / "tokenizer_2").is_dir() else None,
        scheduler_config=json.loads(scheduler_file.read_text(encoding="utf-8")),
        pipeline_config=json.loads(index.read_text(encoding="utf-8")) if index.is_file() else {},
    )


def main(argv=None, loader=load_components):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    device = args.device
    if device is None:
        import torch  # noqa: PLC0415
        device = "cuda" if torch.cuda.is_available() else "cpu"
    components = loader(args.source, args.dtype)
    try:
        pipeline.export(components, args.out_dir, family=args.family, dtype=args.dtype, sizes=args.sizes,
                        max_batch=args.max_batch, scheduler=args.scheduler, device=device, source=args.source)
    except ValueError as ex:
        sys.exit(f"export.py: {ex}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
