"""Per-logit bounds of the oracle comparisons (docs/PYTHON.md derives them).

float64_bound: the oracle and the reference's exact mode both compute in
float64 with different summation orders; their difference is float64 noise,
bounded by gamma64(K) * S_i with K the longest chain of dependent roundings
(below) and S_i = sum_j |Wcls_ij x_j|, times an amplification allowance A.

float32_bound: a float32 forward pass in llama2.c order (the reference's
llama2c mode, the engine) against the float64 oracle: the same chain length
with float32's gamma, gamma32(K) * S_i * A.

K counts the dependent roundings of one position: per layer two rmsnorms
(dim each), the q/k/v and attention-output matmuls (dim), the attention dot
products (head_size), softmax and the weighted value sum (pos + 1 each), the
feed-forward matmuls (dim and hidden_dim) and a handful of libm calls; then
the final rmsnorm and the classifier (dim each).
"""
import numpy as np

AMPLIFICATION = 4.0  # error growth through the layers allowed on top of the first-order chain
LIBM_OPS = 8         # expf/sqrtf/sinf/cosf/powf calls along one chain of a layer


def chain_length(config, pos):
    d, hid, L = config["dim"], config["hidden_dim"], config["n_layers"]
    hs = d // config["n_heads"]
    per_layer = 2 * d + d + hs + 2 * (pos + 1) + d + d + hid + LIBM_OPS
    return L * per_layer + 2 * d


def gamma(n, u):
    return n * u / (1 - n * u)


def float32_bound(config, pos, scale):
    return AMPLIFICATION * gamma(chain_length(config, pos), 2.0 ** -24) * np.asarray(scale)


def float64_bound(config, pos, scale):
    return AMPLIFICATION * gamma(chain_length(config, pos), 2.0 ** -53) * np.asarray(scale)
