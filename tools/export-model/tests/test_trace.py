import pytest
import torch

import standins
from kiln_export import pipeline
from kiln_export import trace as tracing

SIZES = [(64, 64), (128, 64)]


@pytest.fixture(scope="module")
def sd1(tmp_path_factory):
    out = tmp_path_factory.mktemp("sd1")
    parts = standins.components(out / "source", "sd1")
    manifest = pipeline.export(parts, out / "model", family="sd1", sizes=SIZES, max_batch=3, log=lambda line: None)
    return parts, out / "model", manifest


@pytest.fixture(scope="module")
def sdxl(tmp_path_factory):
    out = tmp_path_factory.mktemp("sdxl")
    parts = standins.components(out / "source", "sdxl")
    manifest = pipeline.export(parts, out / "model", sizes=[(128, 128)], max_batch=2, log=lambda line: None)
    return parts, out / "model", manifest


def close(actual, expected):
    return torch.allclose(actual, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("images", [1, 2, 3])
def test_saved_unet_runs_at_batch_sizes_it_was_not_traced_at(sd1, images):
    parts, model, _ = sd1
    unet = torch.jit.load(str(model / "unet.pt"))
    for width, height in SIZES:
        sample = torch.randn(2 * images, 4, height // 8, width // 8)
        text = torch.randn(2 * images, 77, 32)
        t = torch.tensor(321)
        with torch.no_grad():
            expected = parts.unet(sample, t, encoder_hidden_states=text).sample
            actual = unet(sample, t, text)
        assert actual.shape == (2 * images, 4, height // 8, width // 8)
        assert close(actual, expected)


def test_saved_text_encoder_returns_last_hidden_state_and_pooled(sd1):
    parts, model, _ = sd1
    encoder = torch.jit.load(str(model / "text_encoder.pt"))
    vocab, merges = standins.vocabulary()
    ids = torch.tensor([standins.reference_ids("a red apple", vocab, merges)])
    with torch.no_grad():
        hidden, pooled, _ = encoder(ids)
        out = parts.text_encoder(ids)
    assert hidden.shape == (1, 77, 32) and pooled.shape == (1, 32)
    assert close(hidden, out[0]) and close(pooled, out[1])


def test_sd1_clip_skip_states_are_diffusers_final_norm_of_the_earlier_layers(sd1):
    parts, model, manifest = sd1
    # the stand-in has 3 layers: clip skip 1 and 2 leave at least one
    assert manifest["max_clip_skip"] == 2
    encoder = torch.jit.load(str(model / "text_encoder.pt"))
    vocab, merges = standins.vocabulary()
    ids = torch.tensor([standins.reference_ids("oil painting, red apple!", vocab, merges)])
    with torch.no_grad():
        hidden, _, skipped = encoder(ids)
        out = parts.text_encoder(ids, output_hidden_states=True)
        # diffusers StableDiffusionPipeline.encode_prompt with clip_skip=k:
        # text_model.final_layer_norm(hidden_states[-(k + 1)])
        expected = [parts.text_encoder.text_model.final_layer_norm(out.hidden_states[-(k + 1)]) for k in range(3)]
    assert skipped.shape == (3, 1, 77, 32)
    assert close(skipped[0], hidden) and close(skipped[0], out.last_hidden_state)
    for k in range(3):
        assert close(skipped[k], expected[k])
    assert not close(skipped[1], skipped[0])


def test_an_encoder_without_a_final_norm_exports_without_clip_skip(tmp_path):
    parts = standins.components(tmp_path / "source", "sd1")
    del parts.text_encoder.text_model
    manifest = pipeline.export(parts, tmp_path / "model", sizes=[(64, 64)], max_batch=1, log=lambda line: None)
    assert manifest["max_clip_skip"] == 0
    with torch.no_grad():
        outputs = torch.jit.load(str(tmp_path / "model" / "text_encoder.pt"))(torch.full((1, 77), 5))
    assert len(outputs) == 2


def test_saved_vae_decodes_and_encodes(sd1):
    parts, model, _ = sd1
    decoder = torch.jit.load(str(model / "vae_decoder.pt"))
    encoder = torch.jit.load(str(model / "vae_encoder.pt"))
    z = torch.randn(2, 4, 8, 16)
    x = torch.rand(1, 3, 64, 128) * 2 - 1
    with torch.no_grad():
        assert close(decoder(z), parts.vae.decode(z).sample)
        mean, std = encoder(x)
        dist = parts.vae.encode(x).latent_dist
    assert mean.shape == (1, 4, 8, 16)
    assert close(mean, dist.mean) and close(std, dist.std)


def test_sdxl_exports_two_encoders_and_a_unet_taking_pooled_text_and_size_ids(sdxl):
    parts, model, manifest = sdxl
    assert {"text_encoder_2.pt", "tokenizer_2.json"} <= set(manifest["files"])
    assert manifest["vae_scaling_factor"] == pytest.approx(0.13025)
    assert manifest["force_zeros_for_empty_prompt"] is True
    second = torch.jit.load(str(model / "text_encoder_2.pt"))
    ids = torch.full((1, 77), 5, dtype=torch.int64)
    with torch.no_grad():
        hidden, pooled, skipped = second(ids)
        out = parts.text_encoder_2(ids, output_hidden_states=True)
    # SDXL conditions on the penultimate hidden state and the projected pooled output
    assert close(hidden, out.hidden_states[-2]) and close(pooled, out.text_embeds)
    assert pooled.shape == (1, 24)
    # diffusers StableDiffusionXLPipeline.encode_prompt with clip_skip=k: hidden_states[-(k + 2)], no final norm;
    # 3 layers leave clip skip 1 (k = 2 would be the token embeddings)
    assert manifest["max_clip_skip"] == 1
    assert skipped.shape == (2, 1, 77, 48)
    assert close(skipped[0], out.hidden_states[-2]) and close(skipped[1], out.hidden_states[-3])
    unet = torch.jit.load(str(model / "unet.pt"))
    rows = 4
    args = (torch.randn(rows, 4, 16, 16), torch.tensor(999), torch.randn(rows, 77, 80), torch.randn(rows, 24),
            torch.tensor([[128.0, 128, 0, 0, 128, 128]] * rows))
    with torch.no_grad():
        expected = parts.unet(*args[:2], encoder_hidden_states=args[2],
                              added_cond_kwargs={"text_embeds": args[3], "time_ids": args[4]}).sample
        assert close(unet(*args), expected)


class FrozenBatchUNet(standins.TinyUNet):
    """A UNet whose batch size leaks into the trace as a Python int, as some real code does."""

    def forward(self, sample, timestep, encoder_hidden_states, added_cond_kwargs=None, return_dict=True):
        out = super().forward(sample, timestep, encoder_hidden_states).sample
        rows = int(sample.shape[0])
        return standins.Output(sample=out.reshape(rows, -1).reshape(out.shape) + torch.ones(rows, 1, 1, 1))


def test_a_trace_that_freezes_the_batch_size_is_refused(tmp_path):
    parts = standins.components(tmp_path / "source", "sd1", unet=FrozenBatchUNet(32))
    with pytest.raises(tracing.TraceCheckError, match="unet.pt"):
        pipeline.export(parts, tmp_path / "model", sizes=SIZES, max_batch=2, log=lambda line: None)


def test_fp16_on_cpu_is_refused_before_tracing(tmp_path):
    parts = standins.components(tmp_path / "source", "sd1")
    with pytest.raises(ValueError, match="--device cuda"):
        pipeline.export(parts, tmp_path / "model", dtype="fp16", device="cpu")
    assert not (tmp_path / "model").exists()


def test_family_is_detected_and_a_wrong_one_refused(tmp_path):
    assert pipeline.detect_family(standins.components(tmp_path / "a", "sd2")) == "sd2"
    assert pipeline.detect_family(standins.components(tmp_path / "b", "sdxl")) == "sdxl"
    with pytest.raises(ValueError, match="look like sd1"):
        pipeline.export(standins.components(tmp_path / "c", "sd1"), tmp_path / "m", family="sdxl")


def test_sizes_must_be_multiples_of_64(tmp_path):
    with pytest.raises(ValueError, match="multiples of 64"):
        pipeline.export(standins.components(tmp_path / "c", "sd1"), tmp_path / "m", sizes=[(96, 64)])
