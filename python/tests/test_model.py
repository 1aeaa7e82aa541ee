"""p9ml.load: config, forward against the reference in llama2c mode,
generate against the reference's generate loop, and the engine tokenizer."""
import struct

import numpy as np
import pytest

import p9ml


def test_load_forward_generate(model_paths):
    for _, path in model_paths:
        m = p9ml.load(path)
        ref = p9ml.reference.Transformer(path, mode="llama2c")
        assert m.config["backend"] == "ref-llama2c" and m.config["format"] == "llama2c-v0"
        assert m.tokenizer is None
        for pos, tok in enumerate([1, 7, 3, 9]):
            got, want = m.forward(tok, pos), ref.forward(tok, pos)
            assert got.shape == (m.config["vocab_size"],) and got.dtype == np.float32
            np.testing.assert_array_equal(got.astype(np.float64), want)
        toks = m.generate([1, 4], 12, temperature=0.8, topp=0.9, seed=5)
        assert toks == ref.generate([1, 4], 12, 0.8, 0.9, 5)["tokens"]
        assert toks == m.generate([1, 4], 12, temperature=0.8, topp=0.9, seed=5)  # deterministic
        m.reset()
        np.testing.assert_array_equal(m.forward(1, 0), ref.forward(1, 0).astype(np.float32))


def write_byte_vocab(path, n):
    """A tokenizer.bin of n tokens: <unk>, <s>, </s>, then byte pieces <0x00>..."""
    pieces = [b"<unk>", b"<s>", b"</s>"] + [("<0x%02X>" % b).encode() for b in range(n - 3)]
    with open(path, "wb") as f:
        f.write(struct.pack("<i", max(len(p) for p in pieces)))
        for p in pieces:
            f.write(struct.pack("<fi", 0.0, len(p)) + p)


def test_tokenizer(model_paths, tmp_path):
    _, path = model_paths[0]
    n = p9ml.load(path).config["vocab_size"]
    tok = tmp_path / "tokenizer.bin"
    write_byte_vocab(tok, n)
    m = p9ml.load(path, tokenizer=str(tok))
    assert len(m.tokenizer) == n
    ids = m.tokenizer.encode("A")
    assert ids == [1, 0x20 + 3, 0x41 + 3]  # BOS, dummy-prefix space, 'A' as byte tokens
    assert m.tokenizer.decode(ids).strip() == "A"
    with pytest.raises(IndexError, match=r"Tokenizer.decode: ids\[0\]: token %d out of range" % n):
        m.tokenizer.decode([n])
    with pytest.raises(ValueError):
        p9ml.Tokenizer(str(tok), n + 1)  # the vocabulary must have the model's size
