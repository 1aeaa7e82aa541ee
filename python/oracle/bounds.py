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

quantized_bound: the engine on Q8/Q4_0 weights (runq semantics) against the
oracle on the same weights dequantized. Besides the float32 roundings, the
engine quantizes the input of every product to int8 with one scale per group
of G values: each element moves by at most half a step, max|x_group|/254,
i.e. a relative error u_q = 1/254 of its group's largest magnitude. Along one
position's chain there are K_q = 4 n_layers + 1 such quantizations (per layer
the inputs of q/k/v, of Wo, of W1/W3 and of W2; then the classifier's). The
same first-order composition as above, with u_q for u, K_q for K and
G_i = sum_j |Wcls_ij| m_j (m_j = max |x| over j's group of the final state)
for S_i, is added to float32_bound.
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


ACT_QUANT_U = 1.0 / 254  # half a step of the int8 activation quantizer, relative to the group's max |x|


def quant_chain_length(config):
    return 4 * config["n_layers"] + 1


def quantized_bound(config, pos, scale, group_scale):
    q = AMPLIFICATION * gamma(quant_chain_length(config), ACT_QUANT_U) * np.asarray(group_scale)
    return float32_bound(config, pos, scale) + q
