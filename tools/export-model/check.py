#!/usr/bin/env python3
"""Runs the export tool's tests as the Maven build does (generation-worker, test phase), with one clear line when
PyTorch or pytest is missing for this interpreter. No tests collected (pytest's exit code 5) is a failure."""

import sys
from pathlib import Path

try:
    import pytest
    import torch  # noqa: F401
except ImportError as ex:
    sys.exit(f"tools/export-model needs PyTorch and pytest for {sys.executable} ({ex}): "
             "apt-get install python3-torch python3-pytest")

code = pytest.main([str(Path(__file__).resolve().parent / "tests"), "-q", "-p", "no:cacheprovider"] + sys.argv[1:])
if code == pytest.ExitCode.NO_TESTS_COLLECTED:
    print("tools/export-model: pytest collected no tests", file=sys.stderr)
    code = 1
sys.exit(int(code))
