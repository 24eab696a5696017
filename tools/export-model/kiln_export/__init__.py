"""Kiln's Stable Diffusion export: traced TorchScript modules, a CLIP tokenizer.json and a kiln-model.json manifest.

Everything here works on plain ``torch.nn.Module`` objects shaped like diffusers' (see ``tests/standins.py``), so the
tracing and manifest code is tested without diffusers; only ``export.py``'s loading path imports diffusers.
"""

SCHEMA_VERSION = 1
