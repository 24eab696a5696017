"""Traces diffusers-shaped modules into the TorchScript files the worker loads, and checks that each trace gives the
eager module's results at every batch size and image size the manifest will promise.

The wrappers fix the tensor contracts (see the worker's README, "Exported model folders"):

* ``text_encoder.pt`` / ``text_encoder_2.pt``: ids int64 (1, 77) -> (hidden (1, 77, D), pooled (1, P), skipped
  (K + 1, 1, 77, D)). hidden is the last hidden state (SD 1.x/2.x) or the penultimate one (SDXL); pooled is the
  pooler output, or ``text_embeds`` for a text model with projection (SDXL's second encoder); skipped[k] is the hidden
  state diffusers' ``encode_prompt`` conditions on with ``clip_skip=k`` (k = 0: hidden itself), see
  ``ClipSkipTextEncoderExport``.
* ``unet.pt``: (latents (2n, C, h, w), timestep int64 scalar, text (2n, 77, D)) -> (2n, C, h, w); SDXL adds
  text_embeds (2n, P) and time_ids (2n, 6).
* ``vae_decoder.pt``: latents / scaling factor (n, C, h, w) -> image (n, 3, 8h, 8w) in [-1, 1].
* ``vae_encoder.pt``: image (n, 3, H, W) in [-1, 1] -> (mean, std) of the latent distribution, unscaled.
"""

import torch
from torch import nn

SEQUENCE = 77

TORCH_DTYPES = {"fp16": torch.float16, "fp32": torch.float32}

# max |traced - eager| <= ATOL + RTOL * max |eager|
TOLERANCES = {"fp32": (1e-4, 1e-3), "fp16": (2e-2, 2e-2)}


class TextEncoderExport(nn.Module):
    """CLIPTextModel or CLIPTextModelWithProjection -> (hidden, pooled)."""

    def __init__(self, encoder, penultimate):
        super().__init__()
        self.encoder = encoder
        self.penultimate = penultimate

    def forward(self, ids):
        out = self.encoder(ids, output_hidden_states=True)
        hidden = out.hidden_states[-2] if self.penultimate else out.last_hidden_state
        pooled = getattr(out, "text_embeds", None)
        if pooled is None:
            pooled = out.pooler_output
        return hidden, pooled


class ClipSkipTextEncoderExport(nn.Module):
    """TextEncoderExport plus a third output for clip skip: ``skipped`` (K + 1, n, 77, D), entry k the hidden state
    diffusers conditions on with ``clip_skip=k``, K = ``max_clip_skip``:

    * SD 1.x/2.x (``StableDiffusionPipeline.encode_prompt``): ``text_model.final_layer_norm(hidden_states[-(k + 1)])``
      (entry 0 is ``last_hidden_state``, which is that norm of the last layer's output); K = layers - 1, so the
      deepest entry still went through one transformer layer.
    * SDXL (``StableDiffusionXLPipeline.encode_prompt``): ``hidden_states[-(k + 2)]``, no norm (entry 0 is the
      penultimate state SDXL always uses); K = layers - 2. The pooled output does not change with clip skip.

    The final norm works token by token, so normalizing every state and then picking one gives what picking then
    normalizing gives; the worker only picks an entry and needs no family rules of its own.
    """

    def __init__(self, encoder, penultimate, max_clip_skip):
        super().__init__()
        self.encoder = encoder
        self.penultimate = penultimate
        self.max_clip_skip = max_clip_skip

    def forward(self, ids):
        out = self.encoder(ids, output_hidden_states=True)
        hidden = out.hidden_states[-2] if self.penultimate else out.last_hidden_state
        pooled = getattr(out, "text_embeds", None)
        if pooled is None:
            pooled = out.pooler_output
        offset = 2 if self.penultimate else 1
        states = [out.hidden_states[-(k + offset)] for k in range(self.max_clip_skip + 1)]
        if not self.penultimate:
            norm = self.encoder.text_model.final_layer_norm
            states = [norm(state) for state in states]
        return hidden, pooled, torch.stack(states)


def clip_skip_layers(encoder, penultimate, plan):
    """The largest clip skip that leaves at least one transformer layer: layers - 1 (SD 1.x/2.x) or layers - 2
    (SDXL, which already skips one), the layers counted from the hidden states the encoder returns."""
    with torch.no_grad():
        layers = len(encoder(plan.ids(), output_hidden_states=True).hidden_states) - 1
    return max(0, layers - (2 if penultimate else 1))


class UNetExport(nn.Module):
    """UNet2DConditionModel for SD 1.x/2.x: (sample, timestep, text) -> noise (or v) prediction."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.unet(sample, timestep, encoder_hidden_states=encoder_hidden_states).sample


class SdxlUNetExport(nn.Module):
    """SDXL's UNet2DConditionModel: the pooled text embedding and the size/crop ids go in as two more tensors."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states, text_embeds, time_ids):
        return self.unet(sample, timestep, encoder_hidden_states=encoder_hidden_states,
                         added_cond_kwargs={"text_embeds": text_embeds, "time_ids": time_ids}).sample


class VaeDecoderExport(nn.Module):

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latents):
        return self.vae.decode(latents).sample


class VaeEncoderExport(nn.Module):

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, image):
        dist = self.vae.encode(image).latent_dist
        return dist.mean, dist.std


class TraceCheckError(RuntimeError):
    """A traced module that does not give its eager module's results at some input shape."""


def _flatten(outputs):
    return list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]


def check_trace(name, traced, eager, inputs_list, dtype):
    """Runs the traced and the eager module on every input tuple and fails unless their outputs agree."""
    atol, rtol = TOLERANCES[dtype]
    for inputs in inputs_list:
        shapes = [tuple(t.shape) for t in inputs]
        with torch.no_grad():
            expected = _flatten(eager(*inputs))
            try:
                actual = _flatten(traced(*inputs))
            except RuntimeError as ex:
                first = str(ex).strip().splitlines()[-1]
                raise TraceCheckError(f"{name}: the trace fails on inputs {shapes} where the module runs: some size"
                                      f" was frozen into the trace ({first})") from ex
        if len(expected) != len(actual):
            raise TraceCheckError(f"{name}: the trace returns {len(actual)} outputs, the module {len(expected)}"
                                  f" (inputs {shapes})")
        for e, a in zip(expected, actual):
            if e.shape != a.shape:
                raise TraceCheckError(f"{name}: traced at other shapes, it returns {tuple(a.shape)} where the module"
                                      f" returns {tuple(e.shape)} for inputs {shapes}: some size was frozen into the"
                                      " trace")
            scale = e.float().abs().max().item()
            diff = (e.float() - a.float()).abs().max().item()
            if not diff <= atol + rtol * scale:
                raise TraceCheckError(f"{name}: the trace differs from the module by {diff:.3g} (allowed"
                                      f" {atol + rtol * scale:.3g}) for inputs {shapes}")


def trace(name, wrapper, example, checks, dtype):
    """Traces ``wrapper`` on ``example`` and checks it on every input tuple of ``checks``."""
    wrapper.eval()
    with torch.no_grad():
        traced = torch.jit.trace(wrapper, example, check_trace=False, strict=False)
    check_trace(name, traced, wrapper, checks, dtype)
    return traced


class Plan:
    """What to trace: the shapes the worker will use.

    sizes: (width, height) pairs; max_batch: images per pass (the UNet sees twice as many rows);
    latent_channels: C; begin_id/end_id: CLIP's special token ids; dtype/vae_dtype: "fp16" or "fp32".
    """

    def __init__(self, sizes, max_batch, latent_channels, begin_id, end_id, dtype, vae_dtype, device, seed=0):
        self.sizes = list(sizes)
        self.max_batch = max_batch
        self.latent_channels = latent_channels
        self.begin_id = begin_id
        self.end_id = end_id
        self.dtype = dtype
        self.vae_dtype = vae_dtype
        self.device = torch.device(device)
        self.generator = torch.Generator().manual_seed(seed)

    def ids(self, tokens=5):
        ids = torch.full((1, SEQUENCE), self.end_id, dtype=torch.int64)
        ids[0, 0] = self.begin_id
        low = min(self.begin_id, self.end_id)
        ids[0, 1:1 + tokens] = torch.randint(0, low, (tokens,), generator=self.generator)
        return ids.to(self.device)

    def randn(self, *shape, dtype=None):
        return torch.randn(*shape, generator=self.generator).to(self.device, TORCH_DTYPES[dtype or self.dtype])

    def latents(self, rows, size, dtype=None):
        width, height = size
        return self.randn(rows, self.latent_channels, height // 8, width // 8, dtype=dtype)

    def timestep(self, value=999):
        return torch.tensor(value, dtype=torch.int64, device=self.device)

    def unet_shapes(self):
        """(rows, size) to check: 2 and 2 x max_batch rows at the first size, 2 rows at every other size."""
        first = self.sizes[0]
        shapes = [(2, first), (2 * self.max_batch, first)]
        shapes += [(2, size) for size in self.sizes[1:]]
        return list(dict.fromkeys(shapes))


def trace_text_encoder(name, encoder, penultimate, plan, max_clip_skip=0):
    """Traces a text encoder; with max_clip_skip > 0 it also returns the states clip skip picks from."""
    wrapper = (ClipSkipTextEncoderExport(encoder, penultimate, max_clip_skip) if max_clip_skip > 0
               else TextEncoderExport(encoder, penultimate))
    return trace(name, wrapper, (plan.ids(),), [(plan.ids(3),), (plan.ids(20),)], plan.dtype)


def trace_unet(unet, sdxl, text_dim, pooled_dim, plan):
    def inputs(rows, size):
        text = plan.randn(rows, SEQUENCE, text_dim)
        base = (plan.latents(rows, size), plan.timestep(981 if rows % 4 else 1), text)
        if not sdxl:
            return base
        width, height = size
        time_ids = torch.tensor([[height, width, 0, 0, height, width]] * rows, dtype=torch.float32)
        return base + (plan.randn(rows, pooled_dim), time_ids.to(plan.device, TORCH_DTYPES[plan.dtype]))

    wrapper = SdxlUNetExport(unet) if sdxl else UNetExport(unet)
    example = inputs(2, plan.sizes[0])
    checks = [inputs(rows, size) for rows, size in plan.unet_shapes()]
    return trace("unet.pt", wrapper, example, checks, plan.dtype)


def trace_vae(vae, plan):
    decoder = VaeDecoderExport(vae)
    encoder = VaeEncoderExport(vae)
    first = plan.sizes[0]

    def image(rows, size):
        width, height = size
        return plan.randn(rows, 3, height, width, dtype=plan.vae_dtype).clamp(-1, 1)

    decoder_checks = [(plan.latents(1, size, plan.vae_dtype),) for size in plan.sizes]
    decoder_checks.append((plan.latents(2, first, plan.vae_dtype),))
    traced_decoder = trace("vae_decoder.pt", decoder, (plan.latents(1, first, plan.vae_dtype),), decoder_checks,
                           plan.vae_dtype)
    encoder_checks = [(image(1, size),) for size in plan.sizes] + [(image(2, first),)]
    traced_encoder = trace("vae_encoder.pt", encoder, (image(1, first),), encoder_checks, plan.vae_dtype)
    return traced_decoder, traced_encoder


def embedding_dims(traced_encoders, plan):
    """(text dim D summed over the encoders, pooled dim P of the last encoder), from one forward pass each."""
    with torch.no_grad():
        outputs = [encoder(plan.ids()) for encoder in traced_encoders]
    return sum(out[0].shape[-1] for out in outputs), outputs[-1][1].shape[-1]
