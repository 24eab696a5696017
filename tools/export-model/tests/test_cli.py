import json

import pytest

import export
import standins


def test_cli_exports_with_the_given_options(tmp_path):
    def loader(source, dtype):
        assert (source, dtype) == ("some/model", "fp32")
        return standins.components(tmp_path / "source", "sd1")

    assert export.main(["some/model", str(tmp_path / "out"), "--dtype", "fp32", "--device", "cpu", "--sizes",
                        "64x64,64x128", "--max-batch", "2", "--scheduler", "euler-ancestral"], loader=loader) == 0
    manifest = json.loads((tmp_path / "out" / "kiln-model.json").read_text())
    assert manifest["sizes"] == [{"width": 64, "height": 64}, {"width": 64, "height": 128}]
    assert manifest["max_batch"] == 2
    assert manifest["default_scheduler"] == "euler-ancestral"
    assert manifest["source"] == "some/model"


def test_cli_reports_a_bad_option_in_one_line(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.pt").write_bytes(b"x")
    with pytest.raises(SystemExit, match="is not empty"):
        export.main(["m", str(tmp_path / "out"), "--dtype", "fp32", "--device", "cpu"],
                    loader=lambda s, d: standins.components(tmp_path / "source", "sd1"))


def test_cli_without_diffusers_says_what_to_install(tmp_path):
    try:
        import diffusers  # noqa: F401
        pytest.skip("diffusers is installed here")
    except ImportError:
        pass
    with pytest.raises(SystemExit, match="requirements.txt"):
        export.main([str(tmp_path), str(tmp_path / "out"), "--device", "cpu"])
