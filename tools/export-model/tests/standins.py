"""Small, seeded torch modules with diffusers' call signatures, a small CLIP BPE vocabulary, and a reference CLIP
tokenizer: enough to run the export (and the worker on what it writes) without diffusers or real weights.

    /usr/bin/python3 tests/standins.py OUT_DIR [--family sd1|sdxl]

writes OUT_DIR/model (an exported folder) and OUT_DIR/reference.json (what the worker must compute from it: token
ids of a few prompts, and UNet outputs at a batch it was not traced at). The Java round-trip test reads both.
"""

import argparse
import json
import math
import re
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError as ex:
    sys.exit(f"tools/export-model needs PyTorch for {sys.executable} ({ex}): "
             "apt-get install python3-torch python3-pytest")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiln_export import pipeline  # noqa: E402

WORDS = ["a", "lighthouse", "at", "dusk", "oil", "painting", "red", "apple", "on", "the", "sea", "!"]

PROMPTS = ["A Lighthouse at dusk", "oil painting, red apple!", "", "the sea  at\tdusk", "lighthouse " * 50]

# 100 tokens (9 per repetition, then one): two 75-token chunks
LONG_PROMPT = "a red apple on the sea at dusk, " * 11 + "lighthouse"


class Output:
    """Like transformers' ModelOutput: fields by name, and by position in the order given."""

    def __init__(self, **fields):
        self._order = [k for k, v in fields.items() if v is not None]
        for key, value in fields.items():
            setattr(self, key, value)

    def __getitem__(self, index):
        return getattr(self, self._order[index])


# --- tokenizer -------------------------------------------------------------------------------------------------

def bytes_to_unicode():
    """CLIP's (and GPT-2's) reversible map from bytes to printable characters."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def vocabulary(words=WORDS):
    """(vocab, merges) shaped like CLIP's: the 256 byte characters, the same with </w>, one merge per step that
    builds each word left to right, then <|startoftext|> and <|endoftext|> last."""
    chars = list(bytes_to_unicode().values())
    tokens = chars + [c + "</w>" for c in chars]
    merges = []
    for word in words:
        symbols = list(word[:-1]) + [word[-1] + "</w>"]
        while len(symbols) > 1:
            merge = f"{symbols[0]} {symbols[1]}"
            if merge not in merges:
                merges.append(merge)
                tokens.append(symbols[0] + symbols[1])
            symbols = [symbols[0] + symbols[1]] + symbols[2:]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    return {token: i for i, token in enumerate(tokens)}, merges


def write_tokenizer_folder(folder, pad_token=None):
    vocab, merges = vocabulary()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    if pad_token is not None:
        (folder / "special_tokens_map.json").write_text(json.dumps({"pad_token": pad_token}), encoding="utf-8")
    return folder


def reference_ids(text, vocab, merges, pad_token="<|endoftext|>", length=77):
    """CLIP's tokenization (openai/CLIP simple_tokenizer) of ASCII text, padded as diffusers pads: begin, at most 75
    tokens, end, pad."""
    ids = reference_tokens(text, vocab, merges)
    ids = [vocab["<|startoftext|>"]] + ids[:length - 2] + [vocab["<|endoftext|>"]]
    return ids + [vocab[pad_token]] * (length - len(ids))


def reference_chunks(text, vocab, merges, pad_token="<|endoftext|>", length=77):
    """AUTOMATIC1111's chunks: the tokens in runs of 75, each wrapped in begin and end and padded to 77."""
    tokens = reference_tokens(text, vocab, merges)
    runs = [tokens[i:i + length - 2] for i in range(0, len(tokens), length - 2)] or [[]]
    chunks = []
    for run in runs:
        ids = [vocab["<|startoftext|>"]] + run + [vocab["<|endoftext|>"]]
        chunks.append(ids + [vocab[pad_token]] * (length - len(ids)))
    return chunks


def reference_tokens(text, vocab, merges):
    """The prompt's token ids, no begin, end or padding, not cut."""
    ranks = {tuple(m.split(" ")): i for i, m in enumerate(merges)}
    encoder = bytes_to_unicode()
    text = re.sub(r"\s+", " ", text).strip().lower()
    ids = []
    for word in re.findall(r"'s|'t|'re|'ve|'m|'ll|'d|[a-z]+|[0-9]|[^\sa-z0-9]+", text):
        symbols = "".join(encoder[b] for b in word.encode("utf-8"))
        parts = list(symbols[:-1]) + [symbols[-1] + "</w>"]
        while len(parts) > 1:
            pairs = [(parts[i], parts[i + 1]) for i in range(len(parts) - 1)]
            best = min(pairs, key=lambda p: ranks.get(p, math.inf))
            if best not in ranks:
                break
            merged, i = [], 0
            while i < len(parts):
                if i < len(parts) - 1 and (parts[i], parts[i + 1]) == best:
                    merged.append(parts[i] + parts[i + 1])
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        ids += [vocab[p] for p in parts]
    return ids


# --- modules -----------------------------------------------------------------------------------------------------

class TinyClipTextModel(nn.Module):
    """CLIPTextModel's signature: ``model(ids, output_hidden_states=...)`` -> (last_hidden_state, pooler_output,
    hidden_states); pooled at the end-of-text token (the highest id, as CLIP finds it)."""

    def __init__(self, vocab_size, hidden_size, layers=3, projection_dim=None):
        super().__init__()
        self.config = SimpleNamespace(hidden_size=hidden_size, vocab_size=vocab_size, num_hidden_layers=layers)
        self.embed = nn.Embedding(vocab_size, hidden_size)
        self.position = nn.Parameter(torch.randn(77, hidden_size) * 0.02)
        self.layers = nn.ModuleList(nn.Linear(hidden_size, hidden_size) for _ in range(layers))
        self.norm = nn.LayerNorm(hidden_size)
        self.projection = nn.Linear(hidden_size, projection_dim, bias=False) if projection_dim else None
        # where diffusers finds the final norm for clip skip (CLIPTextModel.text_model.final_layer_norm)
        self.text_model = SimpleNamespace(final_layer_norm=self.norm)

    def forward(self, input_ids, output_hidden_states=False, return_dict=True):
        h = self.embed(input_ids) + self.position[: input_ids.shape[1]]
        states = [h]
        for layer in self.layers:
            # causal: each position sees the running mean of the positions before it
            steps = torch.arange(1, h.shape[1] + 1, device=h.device, dtype=h.dtype)[None, :, None]
            h = h + F.gelu(layer(torch.cumsum(h, dim=1) / steps))
            states.append(h)
        last = self.norm(h)
        pooled = last[torch.arange(last.shape[0], device=last.device), input_ids.argmax(dim=-1)]
        hidden_states = tuple(states) if output_hidden_states else None
        if self.projection is not None:
            return Output(text_embeds=self.projection(pooled), last_hidden_state=last, hidden_states=hidden_states)
        return Output(last_hidden_state=last, pooler_output=pooled, hidden_states=hidden_states)


def timestep_embedding(timesteps, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=timesteps.device) / half)
    angles = timesteps[:, None].float() * freqs[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)


class TinyUNet(nn.Module):
    """UNet2DConditionModel's signature: ``unet(sample, t, encoder_hidden_states=..., added_cond_kwargs=...)
    .sample``; one down and one up step, time, text (and for SDXL pooled text and size ids) added to the features."""

    def __init__(self, cross_attention_dim, in_channels=4, sample_size=8, channels=16, pooled_dim=None):
        super().__init__()
        self.config = SimpleNamespace(in_channels=in_channels, sample_size=sample_size,
                                      cross_attention_dim=cross_attention_dim,
                                      addition_embed_type="text_time" if pooled_dim else None)
        self.channels = channels
        self.conv_in = nn.Conv2d(in_channels, channels, 3, padding=1)
        self.time = nn.Linear(channels, channels)
        self.text = nn.Linear(cross_attention_dim, channels)
        self.added = nn.Linear(pooled_dim + 6, channels) if pooled_dim else None
        self.down = nn.Conv2d(channels, channels, 3, stride=2, padding=1)
        self.mid = nn.Conv2d(channels, channels, 3, padding=1)
        self.up = nn.Conv2d(2 * channels, channels, 3, padding=1)
        self.conv_out = nn.Conv2d(channels, in_channels, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states, added_cond_kwargs=None, return_dict=True):
        timesteps = timestep if torch.is_tensor(timestep) else torch.tensor([timestep], device=sample.device)
        if timesteps.dim() == 0:
            timesteps = timesteps[None]
        timesteps = timesteps.expand(sample.shape[0])
        emb = self.time(timestep_embedding(timesteps, self.channels).to(sample.dtype))
        # attention stand-in: each text token weighs in by its similarity to a learned query
        weights = torch.softmax(encoder_hidden_states.sum(dim=-1), dim=-1)[:, :, None]
        emb = emb + self.text((encoder_hidden_states * weights).sum(dim=1))
        if self.added is not None:
            time_ids = added_cond_kwargs["time_ids"] / 1024.0
            emb = emb + self.added(torch.cat([added_cond_kwargs["text_embeds"], time_ids.to(sample.dtype)], dim=-1))
        h = self.conv_in(sample) + emb[:, :, None, None]
        skip = h
        h = F.silu(self.mid(F.silu(self.down(h))))
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = self.up(torch.cat([h, skip], dim=1))
        return Output(sample=self.conv_out(F.silu(h)))


class DiagonalGaussian:

    def __init__(self, moments):
        self.mean, logvar = torch.chunk(moments, 2, dim=1)
        self.std = torch.exp(0.5 * torch.clamp(logvar, -30.0, 20.0))

    def sample(self, generator=None):
        return self.mean + self.std * torch.randn(self.mean.shape, generator=generator)


class TinyVae(nn.Module):
    """AutoencoderKL's signature: ``vae.decode(z).sample`` (x8 up) and ``vae.encode(x).latent_dist`` (x8 down)."""

    def __init__(self, latent_channels=4, scaling_factor=0.18215, force_upcast=False):
        super().__init__()
        self.config = SimpleNamespace(latent_channels=latent_channels, scaling_factor=scaling_factor,
                                      force_upcast=force_upcast)
        self.post_quant_conv = nn.Conv2d(latent_channels, latent_channels, 1)
        self.decoder_in = nn.Conv2d(latent_channels, 8, 3, padding=1)
        self.decoder_out = nn.Conv2d(8, 3, 3, padding=1)
        self.encoder_in = nn.Conv2d(3, 8, 8, stride=8)
        self.quant_conv = nn.Conv2d(8, 2 * latent_channels, 1)

    def decode(self, z, return_dict=True):
        h = F.silu(self.decoder_in(self.post_quant_conv(z)))
        h = F.interpolate(h, scale_factor=8.0, mode="nearest")
        return Output(sample=torch.tanh(self.decoder_out(h)))

    def encode(self, x, return_dict=True):
        return Output(latent_dist=DiagonalGaussian(self.quant_conv(F.silu(self.encoder_in(x)))))


def components(folder, family="sd1", seed=0, unet=None):
    """Stand-in components for ``family`` (sd1, sd2 or sdxl); tokenizer folders are written under ``folder``."""
    torch.manual_seed(seed)
    vocab, _ = vocabulary()
    folder = Path(folder)
    if family == "sdxl":
        return pipeline.Components(
            text_encoder=TinyClipTextModel(len(vocab), 32),
            text_encoder_2=TinyClipTextModel(len(vocab), 48, projection_dim=24),
            unet=unet or TinyUNet(32 + 48, sample_size=16, pooled_dim=24),
            vae=TinyVae(scaling_factor=0.13025, force_upcast=True),
            tokenizer_dir=write_tokenizer_folder(folder / "tokenizer"),
            tokenizer_2_dir=write_tokenizer_folder(folder / "tokenizer_2", pad_token="!"),
            scheduler_config={"_class_name": "EulerDiscreteScheduler", "prediction_type": "epsilon",
                              "timestep_spacing": "leading", "steps_offset": 1},
            pipeline_config={"_class_name": "StableDiffusionXLPipeline", "force_zeros_for_empty_prompt": True})
    width = 1024 if family == "sd2" else 32
    return pipeline.Components(
        text_encoder=TinyClipTextModel(len(vocab), width),
        unet=unet or TinyUNet(width),
        vae=TinyVae(),
        tokenizer_dir=write_tokenizer_folder(folder / "tokenizer", pad_token="!" if family == "sd2" else None),
        scheduler_config={"_class_name": "PNDMScheduler", "prediction_type": "v_prediction" if family == "sd2"
                          else "epsilon", "skip_prk_steps": True, "steps_offset": 1},
        pipeline_config={"_class_name": "StableDiffusionPipeline"})


# --- reference values for the worker -------------------------------------------------------------------------------

def wave(shape, frequency, phase=0.0):
    """sin(frequency * i + phase) over the flattened shape, i from 0: inputs Java can rebuild exactly."""
    count = math.prod(shape)
    return torch.sin(torch.arange(count, dtype=torch.float64) * frequency + phase).float().reshape(shape)


def summary(tensor):
    """Shape, sum and four values (first, second, middle, last of the flattened tensor) for the Java tests."""
    flat = tensor.flatten()
    picks = [0, 1, flat.numel() // 2, flat.numel() - 1]
    return {"shape": list(tensor.shape), "sum": flat.double().sum().item(),
            "values": {str(i): flat[i].item() for i in picks}}


def unet_reference(unet_module, rows, width, height, text_dim, timestep=500, pooled_dim=None):
    """The UNet's output on wave inputs; for SDXL (pooled_dim) with text_embeds = wave(0.03, 2.0) and the time_ids
    [H, W, 0, 0, H, W] diffusers' _get_add_time_ids makes for an uncropped image of that size."""
    sample = wave((rows, 4, height // 8, width // 8), 0.01)
    text = wave((rows, 77, text_dim), 0.02, 1.0)
    added = None
    if pooled_dim:
        added = {"text_embeds": wave((rows, pooled_dim), 0.03, 2.0),
                 "time_ids": torch.tensor([[height, width, 0, 0, height, width]] * rows, dtype=torch.float32)}
    with torch.no_grad():
        if added is None:
            out = unet_module(sample, torch.tensor(timestep), encoder_hidden_states=text).sample
        else:
            out = unet_module(sample, torch.tensor(timestep), encoder_hidden_states=text, added_cond_kwargs=added).sample
    reference = {"rows": rows, "width": width, "height": height, "text_dim": text_dim, "timestep": timestep,
                 "sample": {"frequency": 0.01, "phase": 0.0}, "text": {"frequency": 0.02, "phase": 1.0}}
    if pooled_dim:
        reference["pooled_dim"] = pooled_dim
        reference["text_embeds"] = {"frequency": 0.03, "phase": 2.0}
    reference.update(summary(out))
    return reference


def clip_skip_reference(parts, vocab, merges, prompt, clip_skip, pad="<|endoftext|>"):
    """What diffusers' StableDiffusionPipeline.encode_prompt conditions on with ``clip_skip``, computed on the eager
    stand-in: ``text_model.final_layer_norm(hidden_states[-(clip_skip + 1)])`` of the prompt's 77 ids."""
    ids = torch.tensor([reference_ids(prompt, vocab, merges, pad)])
    with torch.no_grad():
        out = parts.text_encoder(ids, output_hidden_states=True)
        hidden = parts.text_encoder.text_model.final_layer_norm(out.hidden_states[-(clip_skip + 1)])
    # every value: a normalized state sums to about 0 per token, so a sum and four values would say little
    return {"prompt": prompt, "clip_skip": clip_skip, "shape": list(hidden.shape),
            "hidden": hidden.flatten().tolist(), "last_hidden_state": out.last_hidden_state.flatten().tolist()}


def sdxl_conditioning_reference(parts, vocab, merges, prompts, clip_skip=None):
    """What diffusers' StableDiffusionXLPipeline.encode_prompt computes (penultimate hidden states of both encoders
    concatenated, the second's text_embeds as pooled), per 77-token chunk, the chunks' hidden states concatenated
    along the sequence and the first chunk's pooled kept (AUTOMATIC1111). With ``clip_skip`` each encoder's
    ``hidden_states[-(clip_skip + 2)]`` instead of ``[-2]``, the pooled output unchanged."""
    layer = -2 if clip_skip is None else -(clip_skip + 2)
    cases = []
    for prompt in prompts:
        first = reference_chunks(prompt, vocab, merges)
        second = reference_chunks(prompt, vocab, merges, "!")
        hidden, pooled = [], None
        with torch.no_grad():
            for c, (ids, ids_2) in enumerate(zip(first, second)):
                out = parts.text_encoder(torch.tensor([ids]), output_hidden_states=True)
                out_2 = parts.text_encoder_2(torch.tensor([ids_2]), output_hidden_states=True)
                hidden.append(torch.cat([out.hidden_states[layer], out_2.hidden_states[layer]], dim=-1))
                if c == 0:
                    pooled = out_2[0]
        cases.append({"prompt": prompt, "clip_skip": clip_skip or 0, "tokens": len(reference_tokens(prompt, vocab, merges)), "chunks": len(first),
                      "hidden": summary(torch.cat(hidden, dim=1)), "pooled": summary(pooled)})
    return cases


def export_standins(out_dir, family="sd1", sizes=((64, 64), (128, 64)), max_batch=3):
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    parts = components(out_dir / "source", family)
    manifest = pipeline.export(parts, out_dir / "model", family=family, dtype="fp32", sizes=list(sizes),
                               max_batch=max_batch, device="cpu", source=f"tests/standins.py ({family})",
                               log=lambda line: None)
    vocab, merges = vocabulary()
    pad = "!" if family == "sd2" else "<|endoftext|>"
    reference = {"family": family, "max_batch": max_batch,
                 "tokens": [{"prompt": p, "ids": reference_ids(p, vocab, merges, pad)} for p in PROMPTS]}
    width, height = sizes[-1]
    if family != "sdxl":
        reference["unet"] = unet_reference(parts.unet, 2 * max_batch, width, height,
                                           parts.text_encoder.config.hidden_size)
        reference["clip_skip"] = [clip_skip_reference(parts, vocab, merges, PROMPTS[1], k, pad)
                                  for k in range(1, manifest["max_clip_skip"] + 1)]
    else:
        reference["unet"] = unet_reference(parts.unet, 2 * max_batch, width, height,
                                           parts.text_encoder.config.hidden_size
                                           + parts.text_encoder_2.config.hidden_size,
                                           pooled_dim=parts.text_encoder_2.projection.out_features)
        reference["conditioning"] = sdxl_conditioning_reference(parts, vocab, merges, [PROMPTS[0], LONG_PROMPT])
        reference["conditioning_clip_skip"] = sdxl_conditioning_reference(parts, vocab, merges, [PROMPTS[0]],
                                                                          clip_skip=manifest["max_clip_skip"])
    (out_dir / "reference.json").write_text(json.dumps(reference, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out_dir / "source")
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(description="Exports the stand-in modules, as the worker's tests use them")
    parser.add_argument("out_dir")
    parser.add_argument("--family", choices=("sd1", "sd2", "sdxl"), default="sd1")
    args = parser.parse_args(argv)
    export_standins(args.out_dir, args.family)
    print(f"stand-in {args.family} model exported to {Path(args.out_dir) / 'model'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
