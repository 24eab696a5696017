import copy
import json

import pytest

import standins
from kiln_export import manifest as manifests
from kiln_export import pipeline


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    parts = standins.components(out / "source", "sd2")
    manifest = pipeline.export(parts, out / "model", sizes=[(64, 64)], max_batch=2, log=lambda line: None)
    return out / "model", manifest


def test_manifest_describes_the_model_and_hashes_every_file(exported):
    model, manifest = exported
    assert json.loads((model / "kiln-model.json").read_text()) == manifest
    assert manifest["family"] == "sd2"
    assert manifest["prediction_type"] == "v_prediction"
    assert manifest["default_scheduler"] == "pndm"
    assert manifest["latent_channels"] == 4
    assert manifest["sample_size"] == 8
    assert manifest["sizes"] == [{"width": 64, "height": 64}]
    assert manifest["max_batch"] == 2
    on_disk = {p.name for p in model.iterdir()} - {"kiln-model.json"}
    assert set(manifest["files"]) == on_disk
    assert "special_tokens_map.json" in on_disk  # SD 2.x pads with "!"
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == manifests.sha256(model / name)
        assert entry["size"] == (model / name).stat().st_size
    assert manifests.verify(model) == manifest


def test_verify_names_a_file_whose_sha256_differs(exported, tmp_path):
    model, _ = exported
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    for path in model.iterdir():
        (copy_dir / path.name).write_bytes(path.read_bytes())
    data = bytearray((copy_dir / "vae_decoder.pt").read_bytes())
    data[-30] ^= 0xFF
    (copy_dir / "vae_decoder.pt").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="vae_decoder.pt: its sha256 differs"):
        manifests.verify(copy_dir)


@pytest.mark.parametrize("field, value, message", [
    ("schema_version", 2, "'schema_version' must be 1"),
    ("family", "sd3", "'family' must be one of sd1, sd2, sdxl"),
    ("dtype", "bf16", "'dtype' must be one of fp16, fp32"),
    ("max_batch", 0, "'max_batch' must be an integer from 1 to 64"),
    ("vae_scaling_factor", -1, "'vae_scaling_factor' must be a positive number"),
    ("sizes", [{"width": 500, "height": 512}], "'sizes' must be"),
    ("timestep_spacing", "linspace", "'timestep_spacing' must be one of leading, trailing"),
    ("max_clip_skip", -1, "'max_clip_skip' must be an integer from 0 to 64"),
    ("max_clip_skip", True, "'max_clip_skip' must be an integer from 0 to 64"),
])
def test_validation_names_the_field(exported, field, value, message):
    _, manifest = exported
    broken = copy.deepcopy(manifest)
    broken[field] = value
    with pytest.raises(ValueError, match=message):
        manifests.validate(broken)


def test_validation_names_a_missing_field_and_a_missing_file(exported):
    _, manifest = exported
    broken = copy.deepcopy(manifest)
    del broken["prediction_type"]
    with pytest.raises(ValueError, match="'prediction_type' is missing"):
        manifests.validate(broken)
    broken = copy.deepcopy(manifest)
    del broken["files"]["unet.pt"]
    with pytest.raises(ValueError, match="listing unet.pt"):
        manifests.validate(broken)


def test_a_manifest_from_before_clip_skip_still_validates(exported):
    _, manifest = exported
    assert manifest["max_clip_skip"] == 2  # the stand-in encoder's 3 layers less one
    older = copy.deepcopy(manifest)
    del older["max_clip_skip"]
    manifests.validate(older)


def test_sizes_parse_as_width_by_height():
    assert manifests.parse_sizes("512x512, 768x512") == [(512, 512), (768, 512)]
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        manifests.parse_sizes("512*512")


def test_schedulers_map_from_diffusers_classes():
    assert manifests.default_scheduler({"_class_name": "PNDMScheduler"}) == "pndm"
    assert manifests.default_scheduler({"_class_name": "EulerAncestralDiscreteScheduler"}) == "euler-ancestral"
    assert manifests.default_scheduler({"_class_name": "EulerDiscreteScheduler"}) == "euler"
    assert manifests.default_scheduler({"_class_name": "LCMScheduler"}) == "lcm"
    assert manifests.default_scheduler({"_class_name": "DPMSolverMultistepScheduler"}) == "dpm++2m"
    assert manifests.default_scheduler({"_class_name": "DPMSolverMultistepScheduler",
                                        "use_karras_sigmas": True}) == "dpm++2m-karras"
    # DPM-Solver (not ++) or another order is not what Kiln renders: the fallback
    assert manifests.default_scheduler({"_class_name": "DPMSolverMultistepScheduler",
                                        "algorithm_type": "dpmsolver"}) == "ddim"
    assert manifests.default_scheduler({"_class_name": "DDPMScheduler"}) == "ddim"
