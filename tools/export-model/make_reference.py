#!/usr/bin/env python3
"""Renders a reference image with diffusers for the worker's opt-in real-model test.

    python make_reference.py <diffusers folder or model id> <exported folder> <out.png> \\
        [--scheduler ddim] [--prompt "..."] [--negative-prompt "..."] [--seed 42] [--steps 20] \\
        [--guidance 7.5] [--size 512x512] [--device cpu]

Writes <out.png> and, beside it, <out.json> with the job (prompt, negative prompt, seed, scheduler, steps, guidance,
width, height) that StableDiffusionRealModelTests renders through Kiln and compares (PSNR >= 30 dB). The scheduler is
configured as the worker configures it for the exported folder: the model's noise schedule, the manifest's
``timestep_spacing``, ``steps_offset`` 1, PNDM with ``skip_prk_steps`` (PLMS only), DPM-Solver++ 2M with diffusers'
defaults. Latents come from ``torch.Generator("cpu").manual_seed(seed)`` in float32, as the worker draws them, so
load the pipeline in float32 (``torch_dtype=torch.float32``) whatever the export's dtype.
"""

import argparse
import json
from pathlib import Path

import diffusers
import torch
from diffusers import (DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                       EulerDiscreteScheduler, LCMScheduler, PNDMScheduler, StableDiffusionPipeline,
                       StableDiffusionXLPipeline)

# Kiln scheduler name -> (diffusers class, settings that make it the sampler Kiln runs)
SCHEDULERS = {
    "pndm": (PNDMScheduler, {"skip_prk_steps": True}),
    "ddim": (DDIMScheduler, {}),
    "euler-ancestral": (EulerAncestralDiscreteScheduler, {}),
    "euler": (EulerDiscreteScheduler, {}),
    "dpm++2m": (DPMSolverMultistepScheduler, {"algorithm_type": "dpmsolver++", "solver_order": 2,
                                              "use_karras_sigmas": False}),
    "dpm++2m-karras": (DPMSolverMultistepScheduler, {"algorithm_type": "dpmsolver++", "solver_order": 2,
                                                     "use_karras_sigmas": True}),
    "lcm": (LCMScheduler, {}),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="the diffusers folder or model id the export was made from")
    parser.add_argument("exported", type=Path, help="the folder export.py wrote (its kiln-model.json is read)")
    parser.add_argument("out", type=Path, help="the reference PNG to write; the job goes beside it as .json")
    parser.add_argument("--scheduler", choices=sorted(SCHEDULERS), help="default: the manifest's default_scheduler")
    parser.add_argument("--prompt", default="a red apple on a wooden table, photograph")
    parser.add_argument("--negative-prompt", default="blurry, low quality")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--guidance", type=float, default=7.5)
    parser.add_argument("--size", default=None, help="WIDTHxHEIGHT; default: the manifest's first size")
    parser.add_argument("--device", default="cpu", help="where the pipeline runs; the latents are drawn on the CPU")
    args = parser.parse_args(argv)

    manifest = json.loads((args.exported / "kiln-model.json").read_text(encoding="utf-8"))
    scheduler = args.scheduler or manifest["default_scheduler"]
    if args.size:
        width, height = (int(v) for v in args.size.split("x"))
    else:
        width, height = manifest["sizes"][0]["width"], manifest["sizes"][0]["height"]

    pipeline_class = StableDiffusionXLPipeline if manifest["family"] == "sdxl" else StableDiffusionPipeline
    pipe = pipeline_class.from_pretrained(args.model, torch_dtype=torch.float32).to(args.device)
    scheduler_class, settings = SCHEDULERS[scheduler]
    pipe.scheduler = scheduler_class.from_config(pipe.scheduler.config, timestep_spacing=manifest["timestep_spacing"],
                                                 steps_offset=1, **settings)

    image = pipe(args.prompt, negative_prompt=args.negative_prompt, num_inference_steps=args.steps,
                 guidance_scale=args.guidance, width=width, height=height, output_type="pil",
                 generator=torch.Generator("cpu").manual_seed(args.seed)).images[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    image.save(args.out, format="PNG")
    job = {"prompt": args.prompt, "negative_prompt": args.negative_prompt, "seed": args.seed, "scheduler": scheduler,
           "steps": args.steps, "guidance_scale": args.guidance, "width": width, "height": height,
           "rendered_by": {"model": args.model, "scheduler_class": scheduler_class.__name__,
                           "diffusers": diffusers.__version__, "torch": torch.__version__}}
    args.out.with_suffix(".json").write_text(json.dumps(job, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} and {args.out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
