import json

import pytest

import standins
from kiln_export import tokenizer


def test_builds_clips_bpe_tokenizer_json_from_vocab_and_merges(tmp_path):
    folder = standins.write_tokenizer_folder(tmp_path / "tokenizer")
    document = tokenizer.write_tokenizer(folder, tmp_path / "tokenizer.json")
    vocab, merges = standins.vocabulary()
    written = json.loads((tmp_path / "tokenizer.json").read_text(encoding="utf-8"))
    assert written == document
    model = written["model"]
    assert model["type"] == "BPE"
    assert model["end_of_word_suffix"] == "</w>"
    assert model["continuing_subword_prefix"] == ""
    assert model["vocab"] == vocab
    assert model["merges"] == merges  # the "#version" header is not a merge
    assert [t["content"] for t in written["added_tokens"]] == ["<|startoftext|>", "<|endoftext|>"]
    assert written["post_processor"]["cls"] == ["<|startoftext|>", vocab["<|startoftext|>"]]
    assert written["padding"]["pad_id"] == vocab["<|endoftext|>"]
    assert [n["type"] for n in written["normalizer"]["normalizers"]] == ["NFC", "Replace", "Lowercase"]


def test_pad_token_comes_from_the_folders_special_tokens_map(tmp_path):
    folder = standins.write_tokenizer_folder(tmp_path / "tokenizer", pad_token="!")
    document = tokenizer.write_tokenizer(folder, tmp_path / "tokenizer.json")
    vocab, _ = standins.vocabulary()
    assert document["padding"]["pad_token"] == "!"
    assert document["padding"]["pad_id"] == vocab["!"]


def test_refuses_a_vocabulary_without_clips_special_tokens():
    with pytest.raises(ValueError, match="no <\\|startoftext\\|>"):
        tokenizer.tokenizer_json({"a": 0, "<|endoftext|>": 1}, [])


def test_refuses_a_folder_without_merges(tmp_path):
    (tmp_path / "vocab.json").write_text("{}", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="merges.txt"):
        tokenizer.write_tokenizer(tmp_path, tmp_path / "tokenizer.json")


def test_reference_tokenizer_merges_whole_words_and_pads():
    vocab, merges = standins.vocabulary()
    ids = standins.reference_ids("A Lighthouse  at dusk!", vocab, merges)
    assert len(ids) == 77
    assert ids[:7] == [vocab["<|startoftext|>"], vocab["a</w>"], vocab["lighthouse</w>"], vocab["at</w>"],
                       vocab["dusk</w>"], vocab["!</w>"], vocab["<|endoftext|>"]]
    assert set(ids[7:]) == {vocab["<|endoftext|>"]}
    # a word the merges do not build ends up in pieces
    assert standins.reference_ids("lit", vocab, merges)[1:3] == [vocab["li"], vocab["t</w>"]]
