"""Builds a Hugging Face ``tokenizer.json`` for CLIP's BPE from ``vocab.json`` and ``merges.txt``.

The result is what ``transformers``' ``CLIPConverter`` writes (NFC, whitespace runs to one space, lower case; CLIP's
word split; byte-level BPE with the ``</w>`` end-of-word suffix), built without the ``tokenizers`` package so the
export runs (and is tested) without it. The worker reads it with DJL's tokenizers binding.
"""

import json
from pathlib import Path

BEGIN_OF_TEXT = "<|startoftext|>"
END_OF_TEXT = "<|endoftext|>"

# CLIP's word split (transformers' CLIPConverter); special tokens are matched before it as added tokens.
CLIP_SPLIT = r"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"


def read_merges(path):
    """The merges of a ``merges.txt``: one ``"a b"`` pair a line, after an optional ``#version`` header."""
    merges = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#version") or not line.strip():
            continue
        parts = line.split(" ")
        if len(parts) != 2:
            raise ValueError(f"{path}: a merge is two tokens separated by one space, got {line!r}")
        merges.append(line)
    return merges


def tokenizer_json(vocab, merges, pad_token=None):
    """The tokenizer.json document.

    vocab: token -> id, as in vocab.json; merges: "a b" strings in rank order; pad_token: the token padding uses
    (``None`` for ``<|endoftext|>``, SD 1.x's; ``"!"`` for SD 2.x's and SDXL's second tokenizer).
    """
    for special in (BEGIN_OF_TEXT, END_OF_TEXT):
        if special not in vocab:
            raise ValueError(f"vocab.json has no {special}: not a CLIP vocabulary")
    pad = END_OF_TEXT if pad_token is None else pad_token
    if pad not in vocab:
        raise ValueError(f"the pad token {pad!r} is not in vocab.json")
    added = [
        {"id": vocab[token], "content": token, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for token in (BEGIN_OF_TEXT, END_OF_TEXT)
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": {"strategy": {"Fixed": 77}, "direction": "Right", "pad_to_multiple_of": None,
                    "pad_id": vocab[pad], "pad_type_id": 0, "pad_token": pad},
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"},
            {"type": "Replace", "pattern": {"Regex": r"\s+"}, "content": " "},
            {"type": "Lowercase"},
        ]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": CLIP_SPLIT}, "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        ]},
        "post_processor": {"type": "RobertaProcessing", "sep": [END_OF_TEXT, vocab[END_OF_TEXT]],
                           "cls": [BEGIN_OF_TEXT, vocab[BEGIN_OF_TEXT]], "trim_offsets": False,
                           "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": END_OF_TEXT, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": merges},
    }


def write_tokenizer(tokenizer_dir, out_file, pad_token=None):
    """Reads ``vocab.json``, ``merges.txt`` and (for the pad token) ``special_tokens_map.json`` from a diffusers
    ``tokenizer`` folder and writes ``out_file``. An explicit ``pad_token`` wins over the folder's."""
    tokenizer_dir = Path(tokenizer_dir)
    for name in ("vocab.json", "merges.txt"):
        if not (tokenizer_dir / name).is_file():
            raise FileNotFoundError(f"{tokenizer_dir} has no {name}; a CLIP tokenizer folder holds vocab.json and"
                                    " merges.txt")
    vocab = json.loads((tokenizer_dir / "vocab.json").read_text(encoding="utf-8"))
    merges = read_merges(tokenizer_dir / "merges.txt")
    if pad_token is None:
        pad_token = folder_pad_token(tokenizer_dir)
    document = tokenizer_json(vocab, merges, pad_token)
    Path(out_file).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return document


def folder_pad_token(tokenizer_dir):
    """The pad token a tokenizer folder names (special_tokens_map.json, then tokenizer_config.json), or None."""
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        path = Path(tokenizer_dir) / name
        if path.is_file():
            token = json.loads(path.read_text(encoding="utf-8")).get("pad_token")
            if isinstance(token, dict):
                token = token.get("content")
            if token:
                return token
    return None
