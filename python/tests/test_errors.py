"""Wrong arguments raise TypeError/ValueError/IndexError with a message that
names the argument, the expectation and what was given; nothing crashes."""
import numpy as np
import pytest

import p9ml


def test_wrong_dtype():
    with pytest.raises(TypeError, match=r"softmax: argument 'x' must be a C-contiguous numpy.ndarray of float32.*"
                                        r"got float64 array of shape \(4,\)"):
        p9ml.softmax(np.zeros(4))
    with pytest.raises(TypeError, match=r"q8_dequantize: argument 'q' .* of int8.*got float32"):
        p9ml.q8_dequantize(np.zeros(4, np.float32), np.ones(1, np.float32), 4)
    with pytest.raises(TypeError, match=r"argument 'x' must be .*got an object of type list"):
        p9ml.silu([1.0, 2.0])
    with pytest.raises(TypeError, match=r"native byte order"):
        p9ml.softmax(np.zeros(4, dtype=">f4"))


def test_wrong_shape():
    with pytest.raises(ValueError, match=r"rmsnorm: argument 'w' must have shape \(8,\), got shape \(7,\)"):
        p9ml.rmsnorm(np.ones(8, np.float32), np.ones(7, np.float32))
    with pytest.raises(ValueError, match=r"matmul: argument 'w' must have shape \(\*, 4\), got shape \(3, 5\)"):
        p9ml.matmul(np.ones(4, np.float32), np.ones((3, 5), np.float32))
    with pytest.raises(ValueError, match=r"softmax: argument 'x' must have 1 dimension, got float32 array of shape \(2, 2\)"):
        p9ml.softmax(np.ones((2, 2), np.float32))
    with pytest.raises(ValueError, match=r"softmax: argument 'x' must not be empty"):
        p9ml.softmax(np.ones(0, np.float32))
    with pytest.raises(ValueError, match=r"softmax: argument 'out' must have shape \(4,\), got shape \(5,\)"):
        p9ml.softmax(np.ones(4, np.float32), out=np.ones(5, np.float32))


def test_non_contiguous_and_read_only():
    a = np.ones((4, 4), np.float32)
    with pytest.raises(ValueError, match=r"silu: argument 'x' must be C-contiguous, got a non-contiguous float32"):
        p9ml.silu(a[:, 1])
    with pytest.raises(ValueError, match=r"matmul: argument 'w' must be C-contiguous"):
        p9ml.matmul(np.ones(4, np.float32), a.T)
    ro = np.ones(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=r"softmax: argument 'out' must be writable, got a read-only"):
        p9ml.softmax(np.ones(4, np.float32), out=ro)


def test_out_of_range_sizes_and_values():
    x = np.ones(12, np.float32)
    with pytest.raises(ValueError, match=r"q8_quantize: length 12 is not a multiple of group_size 5"):
        p9ml.q8_quantize(x, 5)
    with pytest.raises(ValueError, match=r"q8_quantize: argument 'group_size' must be in \[1, 2147483647\], got 0"):
        p9ml.q8_quantize(x, 0)
    with pytest.raises(ValueError, match=r"rounding' must be 'even' \(exporter\) or 'away' \(runq\), got 'up'"):
        p9ml.q8_quantize(x, 4, "up")
    with pytest.raises(ValueError, match=r"rope: len\(vec\) = 12 and argument 'head_size' = 5 must both be even"):
        p9ml.rope(x, 5, 0)
    with pytest.raises(ValueError, match=r"rope: argument 'pos' must be in \[0, 2147483647\], got -1"):
        p9ml.rope(x, 4, -1)
    q, kc = np.ones(8, np.float32), np.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match=r"attention: argument 'pos' \(a row of k_cache\) must be in \[0, 2\], got 3"):
        p9ml.attention(q, kc, kc, 2, 1, 3)
    with pytest.raises(ValueError, match=r"attention: n_heads = 3 is not a multiple of n_kv_heads = 2"):
        p9ml.attention(np.ones(6, np.float32), np.ones((3, 2), np.float32), np.ones((3, 2), np.float32), 3, 2, 0)
    with pytest.raises(ValueError, match=r"dequant_q4_0: argument 'blocks' must have shape \(36,\), got shape \(35,\)"):
        p9ml.dequant_q4_0(np.zeros(35, np.uint8), 64)
    with pytest.raises(ValueError, match=r"sample_topp: argument 'topp' must be in \(0, 1\), got 1.5"):
        p9ml.sample_topp(np.ones(3, np.float32) / 3, 1.5, 0.5)
    with pytest.raises(ValueError, match=r"sample_mult: argument 'coin' must be in \[0, 1\)"):
        p9ml.sample_mult(np.ones(3, np.float32) / 3, 1.0)


def test_unknown_impl_and_exact_only_gaps():
    with pytest.raises(ValueError, match=r"softmax: unknown impl 'engine-mmx' \(known: engine-scalar.*ref-exact\)"):
        p9ml.softmax(np.ones(3, np.float32), impl="engine-mmx")
    with pytest.raises(ValueError, match=r"q8_quantize: impl 'ref-exact' has no q8_quantize"):
        p9ml.q8_quantize(np.ones(4, np.float32), 4, impl="ref-exact")
    with pytest.raises(TypeError, match=r"argument 'out' must be float64 for impl 'ref-exact'"):
        p9ml.softmax(np.ones(3, np.float32), impl="ref-exact", out=np.ones(3, np.float32))


def test_model_token_and_position(model_paths):
    _, path = model_paths[0]
    m = p9ml.load(path)
    v, s = m.config["vocab_size"], m.config["seq_len"]
    with pytest.raises(IndexError, match=r"Model.forward: token %d out of range \[0, %d\)" % (v, v)):
        m.forward(v, 0)
    with pytest.raises(IndexError, match=r"Model.forward: token -1 out of range"):
        m.forward(-1, 0)
    with pytest.raises(IndexError, match=r"Model.forward: position %d out of range \[0, %d\)" % (s, s)):
        m.forward(1, s)
    with pytest.raises(ValueError, match=r"Model.forward: position 3 skips ahead: the next position is 0"):
        m.forward(1, 3)
    with pytest.raises(ValueError, match=r"Model.generate: argument 'prompt_tokens' must not be empty"):
        m.generate([], 4)
    with pytest.raises(IndexError, match=r"prompt_tokens\[1\]: token 99999 out of range"):
        m.generate([1, 99999], 4)
    t = p9ml.reference.Transformer(path, mode="exact")
    with pytest.raises(IndexError, match=r"reference.Transformer.forward: position -1 out of range"):
        t.forward(1, -1)
    with pytest.raises(ValueError, match=r"argument 'mode' must be 'exact' or 'llama2c', got 'fast'"):
        p9ml.reference.Transformer(path, mode="fast")


def test_bad_model_file(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x01\x02")
    with pytest.raises(ValueError, match=str(bad)):
        p9ml.load(str(bad))
    # A missing file is the standard FileNotFoundError (test_api.py), not ValueError.
    with pytest.raises(FileNotFoundError, match="nonexistent"):
        p9ml.load(str(tmp_path / "nonexistent.bin"))


def test_load_impl(model_paths):
    _, path = model_paths[0]
    with pytest.raises(ValueError, match=r"load: argument 'impl' must name an engine kernel table.*got 'ref-exact'"):
        p9ml.load(path, impl="ref-exact")
    with pytest.raises(ValueError, match=r"load: unknown impl 'engine-bogus'"):
        p9ml.load(path, impl="engine-bogus")
