// p9ml's kernel functions: every engine kernel of engine/kernels.h on NumPy
// arrays, run by the implementation named in impl=. Inputs are used in place
// (zero copy); outputs go to a new array or to out= (which may be the input
// itself for the element-wise kernels: that is the engine's in-place call).
// ref-exact results are float64, everything else float32.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <span>

#include "arrays.hpp"
#include "impl_select.hpp"
#include "reference.hpp"

extern "C" {
#include "kernels.h"
}

namespace p9ml {

namespace ref = nineml::ref;

namespace {

constexpr const char* kDefaultImpl = "engine-scalar";

std::string arg(const char* kernel, const char* name) {
  return std::string(kernel) + ": argument '" + name + "'";
}

template <class T>
std::span<const T> cspan(const View<T>& v) {
  return {v.ptr, static_cast<size_t>(v.size)};
}

template <class T>
void require_nonempty(const View<T>& v, const std::string& what) {
  if (v.size == 0) throw ValueErr(what + " must not be empty, got shape " + shape_str(v.shape));
}

// Byte ranges of two arrays overlap.
template <class A, class B>
bool overlaps(const View<A>& a, const View<B>& b) {
  auto a0 = reinterpret_cast<uintptr_t>(a.ptr), a1 = a0 + sizeof(A) * static_cast<size_t>(a.size);
  auto b0 = reinterpret_cast<uintptr_t>(b.ptr), b1 = b0 + sizeof(B) * static_cast<size_t>(b.size);
  return a0 < b1 && b0 < a1;
}

template <class A, class B>
void require_disjoint(const View<A>& out, const View<B>& in, const char* kernel, const char* in_name) {
  if (overlaps(out, in))
    throw ValueErr(std::string(kernel) + ": argument 'out' must not share memory with '" + in_name +
                   "' (this kernel does not work in place)");
}

// out must be the input itself or disjoint from it (element-wise kernels).
template <class T>
void require_same_or_disjoint(const View<T>& out, const View<T>& in, const char* kernel, const char* in_name) {
  if (out.ptr != in.ptr && overlaps(out, in))
    throw ValueErr(std::string(kernel) + ": argument 'out' must be '" + in_name +
                   "' itself or share no memory with it");
}

template <class T, class V>
py::array store(View<T>& out, const std::vector<V>& v) {
  for (size_t i = 0; i < v.size(); i++) out.ptr[i] = static_cast<T>(v[i]);
  return out.arr;
}

// Output of a float kernel: float64 for ref-exact, float32 otherwise.
struct FloatOut {
  View<float> f;
  View<double> d;
  bool exact = false;
  py::array arr() const { return exact ? d.arr : f.arr; }
};

FloatOut float_out(const ImplChoice& im, const py::object& out, const char* kernel,
                   const std::vector<py::ssize_t>& shape) {
  FloatOut o;
  o.exact = im.kind == ImplChoice::ref_exact;
  std::string what = arg(kernel, "out");
  if (o.exact) {
    if (!out.is_none() && py::isinstance<py::array_t<float>>(out))
      throw TypeErr(what + " must be float64 for impl 'ref-exact' (its results are float64), got float32");
    o.d = output_array<double>(out, what, shape);
  } else {
    o.f = output_array<float>(out, what, shape);
  }
  return o;
}

py::array put(FloatOut& o, const std::vector<float>& v) { return store(o.f, v); }
py::array put(FloatOut& o, const std::vector<double>& v) { return store(o.d, v); }

// ---- element-wise and vector kernels ---------------------------------------

py::array rmsnorm(const py::object& xo, const py::object& wo, float eps, const std::string& impl,
                  const py::object& out) {
  auto im = select_impl(impl, "rmsnorm");
  auto x = check_array<float>(xo, arg("rmsnorm", "x"), 1, false);
  require_nonempty(x, arg("rmsnorm", "x"));
  auto w = check_array<float>(wo, arg("rmsnorm", "w"), 1, false);
  require_shape(w, arg("rmsnorm", "w"), {x.size});
  int n = as_int_size(x.size, arg("rmsnorm", "x"));
  auto o = float_out(im, out, "rmsnorm", {x.size});
  if (im.kind == ImplChoice::ref_exact) return put(o, ref::exact::rmsnorm(cspan(x), cspan(w), eps));
  require_same_or_disjoint(o.f, x, "rmsnorm", "x");
  require_disjoint(o.f, w, "rmsnorm", "w");
  if (im.kind == ImplChoice::ref_llama2c) return put(o, ref::llama2c::rmsnorm(cspan(x), cspan(w), eps));
  im.table->rmsnorm(o.f.ptr, x.ptr, w.ptr, n, eps);
  return o.arr();
}

// The element-wise kernels that the engine runs in place on one buffer.
py::array softmax(const py::object& xo, const std::string& impl, const py::object& out) {
  auto im = select_impl(impl, "softmax");
  auto x = check_array<float>(xo, arg("softmax", "x"), 1, false);
  require_nonempty(x, arg("softmax", "x"));
  int n = as_int_size(x.size, arg("softmax", "x"));
  auto o = float_out(im, out, "softmax", {x.size});
  if (im.kind == ImplChoice::ref_exact) return put(o, ref::exact::softmax(cspan(x)));
  require_same_or_disjoint(o.f, x, "softmax", "x");
  if (im.kind == ImplChoice::ref_llama2c) return put(o, ref::llama2c::softmax(cspan(x)));
  if (o.f.ptr != x.ptr) std::memcpy(o.f.ptr, x.ptr, sizeof(float) * static_cast<size_t>(n));
  im.table->softmax(o.f.ptr, n);
  return o.arr();
}

py::array silu(const py::object& xo, const std::string& impl, const py::object& out) {
  auto im = select_impl(impl, "silu");
  auto x = check_array<float>(xo, arg("silu", "x"), 1, false);
  require_nonempty(x, arg("silu", "x"));
  int n = as_int_size(x.size, arg("silu", "x"));
  auto o = float_out(im, out, "silu", {x.size});
  if (im.kind == ImplChoice::ref_exact) return put(o, ref::exact::silu(cspan(x)));
  require_same_or_disjoint(o.f, x, "silu", "x");
  if (im.kind == ImplChoice::ref_llama2c) return put(o, ref::llama2c::silu(cspan(x)));
  if (o.f.ptr != x.ptr) std::memcpy(o.f.ptr, x.ptr, sizeof(float) * static_cast<size_t>(n));
  nm_silu(o.f.ptr, n);
  return o.arr();
}

py::array swiglu(const py::object& ho, const py::object& h2o, const std::string& impl, const py::object& out) {
  auto im = select_impl(impl, "swiglu");
  auto hb = check_array<float>(ho, arg("swiglu", "hb"), 1, false);
  require_nonempty(hb, arg("swiglu", "hb"));
  auto hb2 = check_array<float>(h2o, arg("swiglu", "hb2"), 1, false);
  require_shape(hb2, arg("swiglu", "hb2"), {hb.size});
  int n = as_int_size(hb.size, arg("swiglu", "hb"));
  auto o = float_out(im, out, "swiglu", {hb.size});
  if (im.kind == ImplChoice::ref_exact) return put(o, ref::exact::swiglu(cspan(hb), cspan(hb2)));
  require_same_or_disjoint(o.f, hb, "swiglu", "hb");
  require_same_or_disjoint(o.f, hb2, "swiglu", "hb2");
  if (im.kind == ImplChoice::ref_llama2c) return put(o, ref::llama2c::swiglu(cspan(hb), cspan(hb2)));
  if (o.f.ptr != hb.ptr) std::memmove(o.f.ptr, hb.ptr, sizeof(float) * static_cast<size_t>(n));
  im.table->swiglu(o.f.ptr, o.f.ptr == hb2.ptr ? o.f.ptr : hb2.ptr, n);
  return o.arr();
}

py::array residual_add(const py::object& xo, const py::object& yo, const std::string& impl, const py::object& out) {
  auto im = select_impl(impl, "residual_add");
  auto x = check_array<float>(xo, arg("residual_add", "x"), 1, false);
  require_nonempty(x, arg("residual_add", "x"));
  auto y = check_array<float>(yo, arg("residual_add", "y"), 1, false);
  require_shape(y, arg("residual_add", "y"), {x.size});
  int n = as_int_size(x.size, arg("residual_add", "x"));
  auto o = float_out(im, out, "residual_add", {x.size});
  if (im.kind == ImplChoice::ref_exact) return put(o, ref::exact::residual_add(cspan(x), cspan(y)));
  require_same_or_disjoint(o.f, x, "residual_add", "x");
  require_same_or_disjoint(o.f, y, "residual_add", "y");
  if (im.kind == ImplChoice::ref_llama2c) return put(o, ref::llama2c::residual_add(cspan(x), cspan(y)));
  if (o.f.ptr == y.ptr && o.f.ptr != x.ptr) {
    // out is y: y[i] = x[i] + y[i] gives the same bits (addition commutes exactly).
    im.table->residual_add(o.f.ptr, x.ptr, n);
    return o.arr();
  }
  if (o.f.ptr != x.ptr) std::memcpy(o.f.ptr, x.ptr, sizeof(float) * static_cast<size_t>(n));
  im.table->residual_add(o.f.ptr, y.ptr, n);
  return o.arr();
}

py::array rope(const py::object& vo, long long head_size, long long pos, float theta, const std::string& impl,
               const py::object& out) {
  auto im = select_impl(impl, "rope");
  auto v = check_array<float>(vo, arg("rope", "vec"), 1, false);
  require_nonempty(v, arg("rope", "vec"));
  int dim = as_int_size(v.size, arg("rope", "vec"));
  int hs = check_int(head_size, arg("rope", "head_size"), 2, dim);
  if (hs % 2 || dim % 2)
    throw ValueErr("rope: len(vec) = " + std::to_string(dim) + " and argument 'head_size' = " + std::to_string(hs) +
                   " must both be even (RoPE rotates adjacent pairs)");
  int p = check_int(pos, arg("rope", "pos"), 0, INT_MAX);
  if (!(theta > 0)) throw ValueErr("rope: argument 'theta' must be > 0, got " + std::to_string(theta));
  auto o = float_out(im, out, "rope", {v.size});
  if (im.kind == ImplChoice::ref_exact) return put(o, ref::exact::rope(cspan(v), hs, p, theta));
  require_same_or_disjoint(o.f, v, "rope", "vec");
  if (im.kind == ImplChoice::ref_llama2c) return put(o, ref::llama2c::rope(cspan(v), hs, p, theta));
  if (o.f.ptr != v.ptr) std::memcpy(o.f.ptr, v.ptr, sizeof(float) * static_cast<size_t>(dim));
  im.table->rope(o.f.ptr, dim, hs, p, theta);
  return o.arr();
}

// ---- matmul and attention ---------------------------------------------------

py::array matmul(const py::object& xo, const py::object& wo, const std::string& impl, const py::object& out) {
  auto im = select_impl(impl, "matmul");
  auto x = check_array<float>(xo, arg("matmul", "x"), 1, false);
  require_nonempty(x, arg("matmul", "x"));
  auto w = check_array<float>(wo, arg("matmul", "w"), 2, false);
  require_shape(w, arg("matmul", "w"), {-1, x.size});
  int n = as_int_size(x.size, arg("matmul", "x"));
  int d = as_int_size(w.shape[0], arg("matmul", "w"));
  auto o = float_out(im, out, "matmul", {w.shape[0]});
  if (im.kind == ImplChoice::ref_exact) return put(o, ref::exact::matmul(cspan(x), cspan(w), n, d));
  require_disjoint(o.f, x, "matmul", "x");
  require_disjoint(o.f, w, "matmul", "w");
  if (im.kind == ImplChoice::ref_llama2c) return put(o, ref::llama2c::matmul(cspan(x), cspan(w), n, d));
  im.table->matmul_f32_rows(o.f.ptr, x.ptr, w.ptr, n, 0, d);
  return o.arr();
}

// W of matmul_f16/matmul_bf16: (d, n) 16-bit floats as stored. f16 takes
// numpy.float16 (read as its bits) or the uint16 bits; bf16, which NumPy
// has no dtype for, the uint16 bits.
View<uint16_t> half_matrix(const py::object& wo, const char* kernel, bool f16) {
  const std::string what = arg(kernel, "w");
  if (f16 && py::isinstance<py::array>(wo)) {
    auto a = py::reinterpret_borrow<py::array>(wo);
    if (a.dtype().kind() == 'f' && a.dtype().itemsize() == 2) {
      if (!py::bool_(a.dtype().attr("__eq__")(py::dtype("float16"))))
        throw TypeErr(what + " must be float16 in native byte order, got " + std::string(py::str(a.dtype())) +
                      "; convert with numpy.ascontiguousarray(a, dtype=numpy.float16)");
      if (!(a.flags() & py::array::c_style))
        throw ValueErr(what + " must be C-contiguous; pass numpy.ascontiguousarray(a)");
      return check_array<uint16_t>(a.attr("view")("uint16"), what, 2, false);
    }
  }
  return check_array<uint16_t>(wo, what, 2, false);
}

// w @ x with w as 16-bit floats, each widened exactly (the engine's
// matmul_f16/bf16 entries; the reference modes widen, then matmul).
py::array matmul_16(const py::object& xo, const py::object& wo, const std::string& impl, const py::object& out,
                    bool bf16) {
  const char* kernel = bf16 ? "matmul_bf16" : "matmul_f16";
  auto im = select_impl(impl, kernel);
  auto x = check_array<float>(xo, arg(kernel, "x"), 1, false);
  require_nonempty(x, arg(kernel, "x"));
  auto w = half_matrix(wo, kernel, !bf16);
  require_shape(w, arg(kernel, "w"), {-1, x.size});
  int n = as_int_size(x.size, arg(kernel, "x"));
  int d = as_int_size(w.shape[0], arg(kernel, "w"));
  auto o = float_out(im, out, kernel, {w.shape[0]});
  if (im.kind == ImplChoice::ref_exact)
    return put(o, bf16 ? ref::exact::matmul_bf16(cspan(x), cspan(w), n, d) : ref::exact::matmul_f16(cspan(x), cspan(w), n, d));
  require_disjoint(o.f, x, kernel, "x");
  require_disjoint(o.f, w, kernel, "w");
  if (im.kind == ImplChoice::ref_llama2c)
    return put(o, bf16 ? ref::llama2c::matmul_bf16(cspan(x), cspan(w), n, d)
                       : ref::llama2c::matmul_f16(cspan(x), cspan(w), n, d));
  (bf16 ? im.table->matmul_bf16_rows : im.table->matmul_f16_rows)(o.f.ptr, x.ptr, w.ptr, n, 0, d);
  return o.arr();
}

py::array attention(const py::object& qo, const py::object& ko, const py::object& vo, long long n_heads,
                    long long n_kv_heads, long long pos, long long window, const std::string& impl,
                    const py::object& out) {
  auto im = select_impl(impl, "attention");
  auto q = check_array<float>(qo, arg("attention", "q"), 1, false);
  require_nonempty(q, arg("attention", "q"));
  int nh = check_int(n_heads, arg("attention", "n_heads"), 1, q.size);
  if (q.size % nh)
    throw ValueErr("attention: len(q) = " + std::to_string(q.size) + " is not a multiple of n_heads = " +
                   std::to_string(nh));
  int hs = static_cast<int>(q.size / nh);
  int nkv = check_int(n_kv_heads, arg("attention", "n_kv_heads"), 1, nh);
  if (nh % nkv)
    throw ValueErr("attention: n_heads = " + std::to_string(nh) + " is not a multiple of n_kv_heads = " +
                   std::to_string(nkv));
  py::ssize_t kv_dim = static_cast<py::ssize_t>(nkv) * hs;
  auto k = check_array<float>(ko, arg("attention", "k_cache"), 2, false);
  require_shape(k, arg("attention", "k_cache"), {-1, kv_dim});
  auto v = check_array<float>(vo, arg("attention", "v_cache"), 2, false);
  require_shape(v, arg("attention", "v_cache"), {k.shape[0], kv_dim});
  if (k.shape[0] < 1) throw ValueErr("attention: argument 'k_cache' has no rows");
  int p = check_int(pos, arg("attention", "pos") + " (a row of k_cache)", 0, k.shape[0] - 1);
  int win = check_int(window, arg("attention", "window"), 0, INT_MAX);
  size_t rows = static_cast<size_t>(p + 1) * static_cast<size_t>(kv_dim);
  std::span<const float> ks(k.ptr, rows), vs(v.ptr, rows);
  auto o = float_out(im, out, "attention", {q.size});
  if (im.kind == ImplChoice::ref_exact)
    return put(o, ref::exact::attention(cspan(q), ks, vs, nh, nkv, hs, p, win));
  require_disjoint(o.f, q, "attention", "q");
  require_disjoint(o.f, k, "attention", "k_cache");
  require_disjoint(o.f, v, "attention", "v_cache");
  if (im.kind == ImplChoice::ref_llama2c)
    return put(o, ref::llama2c::attention(cspan(q), ks, vs, nh, nkv, hs, p, win));
  std::vector<float> att(static_cast<size_t>(nh) * static_cast<size_t>(p + 1));
  im.table->attention_heads(o.f.ptr, att.data(), q.ptr, k.ptr, v.ptr, nh, nkv, hs, p, win, 0, nh);
  return o.arr();
}

// ---- Q8 -----------------------------------------------------------------------

int group_size_for(long long gs, py::ssize_t n, const char* kernel) {
  int g = check_int(gs, arg(kernel, "group_size"), 1, INT_MAX);
  if (n % g)
    throw ValueErr(std::string(kernel) + ": length " + std::to_string(n) + " is not a multiple of group_size " +
                   std::to_string(g));
  return g;
}

void no_exact(const ImplChoice& im, const char* kernel, const char* instead) {
  if (im.kind == ImplChoice::ref_exact)
    throw ValueErr(std::string(kernel) + ": impl 'ref-exact' has no " + kernel + " (" + instead + ")");
}

py::tuple q8_quantize(const py::object& xo, long long gs, const std::string& rounding, const std::string& impl) {
  auto im = select_impl(impl, "q8_quantize");
  no_exact(im, "q8_quantize",
           "quantization produces float32 scales and int8 values; the exact scales are "
           "p9ml.reference.exact.q8_scales(x, group_size)");
  auto x = check_array<float>(xo, arg("q8_quantize", "x"), 1, false);
  require_nonempty(x, arg("q8_quantize", "x"));
  int n = as_int_size(x.size, arg("q8_quantize", "x"));
  int g = group_size_for(gs, n, "q8_quantize");
  if (rounding != "even" && rounding != "away")
    throw ValueErr("q8_quantize: argument 'rounding' must be 'even' (exporter) or 'away' (runq), got '" +
                   rounding + "'");
  auto q = new_array<int8_t>({x.size});
  auto s = new_array<float>({x.size / g});
  if (im.kind == ImplChoice::ref_llama2c) {
    auto t = ref::llama2c::q8_quantize(cspan(x), g, rounding == "even" ? ref::Rounding::even : ref::Rounding::away);
    std::memcpy(q.mutable_data(), t.q.data(), t.q.size());
    std::memcpy(s.mutable_data(), t.scales.data(), sizeof(float) * t.scales.size());
  } else {
    nm_q8_quantize(reinterpret_cast<nm_i8*>(q.mutable_data()), s.mutable_data(), x.ptr, n, g,
                   rounding == "even" ? NM_ROUND_EVEN : NM_ROUND_AWAY);
  }
  return py::make_tuple(q, s);
}

py::array q8_dequantize(const py::object& qo, const py::object& so, long long gs, const std::string& impl,
                        const py::object& out) {
  auto im = select_impl(impl, "q8_dequantize");
  auto q = check_array<int8_t>(qo, arg("q8_dequantize", "q"), 1, false);
  require_nonempty(q, arg("q8_dequantize", "q"));
  int n = as_int_size(q.size, arg("q8_dequantize", "q"));
  int g = group_size_for(gs, n, "q8_dequantize");
  auto s = check_array<float>(so, arg("q8_dequantize", "scales"), 1, false);
  require_shape(s, arg("q8_dequantize", "scales"), {q.size / g});
  auto o = float_out(im, out, "q8_dequantize", {q.size});
  if (im.kind == ImplChoice::ref_exact) return put(o, ref::exact::q8_dequantize(cspan(q), cspan(s), g));
  require_disjoint(o.f, q, "q8_dequantize", "q");
  require_disjoint(o.f, s, "q8_dequantize", "scales");
  if (im.kind == ImplChoice::ref_llama2c) {
    ref::Q8Tensor t{{q.ptr, q.ptr + n}, {s.ptr, s.ptr + s.size}, g};
    return put(o, ref::llama2c::q8_dequantize(t));
  }
  nm_q8_dequantize(o.f.ptr, reinterpret_cast<const nm_i8*>(q.ptr), s.ptr, n, g);
  return o.arr();
}

py::array matmul_q8(const py::object& xqo, const py::object& xso, const py::object& wqo, const py::object& wso,
                    long long gs, const std::string& impl, const py::object& out) {
  auto im = select_impl(impl, "matmul_q8");
  no_exact(im, "matmul_q8",
           "the exact value of a quantized product is the float product: "
           "p9ml.matmul(x, w, impl='ref-exact') on the unquantized operands");
  auto xq = check_array<int8_t>(xqo, arg("matmul_q8", "xq"), 1, false);
  require_nonempty(xq, arg("matmul_q8", "xq"));
  int n = as_int_size(xq.size, arg("matmul_q8", "xq"));
  int g = group_size_for(gs, n, "matmul_q8");
  auto xs = check_array<float>(xso, arg("matmul_q8", "xs"), 1, false);
  require_shape(xs, arg("matmul_q8", "xs"), {n / g});
  auto wq = check_array<int8_t>(wqo, arg("matmul_q8", "wq"), 2, false);
  require_shape(wq, arg("matmul_q8", "wq"), {-1, n});
  int d = as_int_size(wq.shape[0], arg("matmul_q8", "wq"));
  auto ws = check_array<float>(wso, arg("matmul_q8", "ws"), 2, false);
  require_shape(ws, arg("matmul_q8", "ws"), {d, n / g});
  auto o = float_out(im, out, "matmul_q8", {d});
  require_disjoint(o.f, xs, "matmul_q8", "xs");
  require_disjoint(o.f, ws, "matmul_q8", "ws");
  require_disjoint(o.f, xq, "matmul_q8", "xq");
  require_disjoint(o.f, wq, "matmul_q8", "wq");
  if (im.kind == ImplChoice::ref_llama2c) {
    ref::Q8Tensor x{{xq.ptr, xq.ptr + n}, {xs.ptr, xs.ptr + xs.size}, g};
    ref::Q8Tensor w{{wq.ptr, wq.ptr + wq.size}, {ws.ptr, ws.ptr + ws.size}, g};
    return put(o, ref::llama2c::matmul_q8(x, w, n, d));
  }
  im.table->matmul_q8_rows(o.f.ptr, reinterpret_cast<const nm_i8*>(xq.ptr), xs.ptr,
                           reinterpret_cast<const nm_i8*>(wq.ptr), ws.ptr, n, g, 0, d);
  return o.arr();
}

// ---- GGUF blocks, f16, bf16 --------------------------------------------------

py::array dequant_blocks(const py::object& bo, long long n, const std::string& impl, const char* kernel,
                         int block_bytes) {
  auto im = select_impl(impl, kernel);
  int count = check_int(n, arg(kernel, "n"), 32, INT_MAX);
  if (count % 32) throw ValueErr(std::string(kernel) + ": argument 'n' must be a multiple of 32, got " + std::to_string(count));
  auto b = check_array<uint8_t>(bo, arg(kernel, "blocks"), 1, false);
  require_shape(b, arg(kernel, "blocks"), {static_cast<py::ssize_t>(count / 32) * block_bytes});
  std::span<const uint8_t> bs = cspan(b);
  bool q4 = block_bytes == 18;
  auto o = float_out(im, py::none(), kernel, {count});
  if (im.kind == ImplChoice::ref_exact)
    return put(o, q4 ? ref::exact::dequant_q4_0(bs, count) : ref::exact::dequant_q8_0(bs, count));
  if (im.kind == ImplChoice::ref_llama2c)
    return put(o, q4 ? ref::llama2c::dequant_q4_0(bs, count) : ref::llama2c::dequant_q8_0(bs, count));
  if (q4)
    nm_dequant_q4_0(o.f.ptr, b.ptr, count);
  else
    nm_dequant_q8_0(o.f.ptr, b.ptr, count);
  return o.arr();
}

py::array half_to_float(const py::object& ho, const std::string& impl, const char* kernel, bool bf16) {
  auto im = select_impl(impl, kernel);
  auto h = check_array<uint16_t>(ho, arg(kernel, "h"), 1, false);
  int n = as_int_size(h.size, arg(kernel, "h"));
  auto o = float_out(im, py::none(), kernel, {h.size});
  if (im.kind == ImplChoice::ref_exact)
    return put(o, bf16 ? ref::exact::bf16_to_f64(cspan(h)) : ref::exact::f16_to_f64(cspan(h)));
  if (im.kind == ImplChoice::ref_llama2c)
    return put(o, bf16 ? ref::llama2c::bf16_to_f32(cspan(h)) : ref::llama2c::f16_to_f32(cspan(h)));
  if (bf16)
    nm_bf16_to_f32(o.f.ptr, h.ptr, n);
  else
    nm_f16_to_f32(o.f.ptr, h.ptr, n);
  return o.arr();
}

// ---- RNG and sampling ----------------------------------------------------------

py::tuple rng_draw(uint64_t state, long long count, const std::string& impl, bool as_float) {
  const char* kernel = as_float ? "rng_f32" : "rng_u32";
  auto im = select_impl(impl, kernel);
  int c = check_int(count, arg(kernel, "count"), 0, 1 << 28);
  if (as_float) {
    auto a = new_array<float>({c});
    float* p = a.mutable_data();
    ref::Rng r{state};
    for (int i = 0; i < c; i++) p[i] = im.kind == ImplChoice::engine ? nm_random_f32(&state) : r.next_f32();
    return py::make_tuple(a, im.kind == ImplChoice::engine ? state : r.state);
  }
  auto a = new_array<uint32_t>({c});
  uint32_t* p = a.mutable_data();
  ref::Rng r{state};
  for (int i = 0; i < c; i++) p[i] = im.kind == ImplChoice::engine ? nm_random_u32(&state) : r.next_u32();
  return py::make_tuple(a, im.kind == ImplChoice::engine ? state : r.state);
}

std::vector<double> widen(const View<float>& p) { return {p.ptr, p.ptr + p.size}; }

View<float> probs(const py::object& po, const char* kernel, const char* name) {
  auto p = check_array<float>(po, arg(kernel, name), 1, false);
  require_nonempty(p, arg(kernel, name));
  as_int_size(p.size, arg(kernel, name));
  return p;
}

void check_unit(double v, const char* kernel, const char* name, bool open_low) {
  if (!(open_low ? v > 0 : v >= 0) || !(v < 1))
    throw ValueErr(std::string(kernel) + ": argument '" + name + "' must be in " + (open_low ? "(0, 1)" : "[0, 1)") +
                   ", got " + std::to_string(v));
}

int sample_argmax(const py::object& po, const std::string& impl) {
  auto im = select_impl(impl, "sample_argmax");
  auto p = probs(po, "sample_argmax", "p");
  if (im.kind == ImplChoice::ref_exact) return ref::exact::argmax(cspan(p));
  if (im.kind == ImplChoice::ref_llama2c) return ref::llama2c::argmax(cspan(p));
  return nm_sample_argmax(p.ptr, static_cast<int>(p.size));
}

int sample_mult(const py::object& po, float coin, const std::string& impl) {
  auto im = select_impl(impl, "sample_mult");
  auto p = probs(po, "sample_mult", "p");
  check_unit(coin, "sample_mult", "coin", false);
  if (im.kind == ImplChoice::ref_exact) return ref::exact::sample_mult(widen(p), coin);
  if (im.kind == ImplChoice::ref_llama2c) return ref::llama2c::sample_mult(cspan(p), coin);
  return nm_sample_mult(p.ptr, static_cast<int>(p.size), coin);
}

int sample_topp(const py::object& po, float topp, float coin, const std::string& impl) {
  auto im = select_impl(impl, "sample_topp");
  auto p = probs(po, "sample_topp", "p");
  check_unit(topp, "sample_topp", "topp", true);
  check_unit(coin, "sample_topp", "coin", false);
  if (im.kind == ImplChoice::ref_exact) return ref::exact::sample_topp(widen(p), topp, coin);
  if (im.kind == ImplChoice::ref_llama2c) return ref::llama2c::sample_topp(cspan(p), topp, coin);
  std::vector<nm_prob_index> scratch(static_cast<size_t>(p.size));
  return nm_sample_topp(p.ptr, static_cast<int>(p.size), topp, scratch.data(), coin);
}

py::tuple sample(const py::object& lo, float temperature, float topp, uint64_t state, const std::string& impl) {
  auto im = select_impl(impl, "sample");
  auto l = probs(lo, "sample", "logits");
  if (!(temperature >= 0)) throw ValueErr("sample: argument 'temperature' must be >= 0, got " + std::to_string(temperature));
  if (topp != topp) throw ValueErr("sample: argument 'topp' must not be NaN");
  if (im.kind != ImplChoice::engine) {
    ref::Rng r{state};
    int tok = im.kind == ImplChoice::ref_exact ? ref::exact::sample(cspan(l), temperature, topp, r)
                                               : ref::llama2c::sample(cspan(l), temperature, topp, r);
    return py::make_tuple(tok, r.state);
  }
  std::vector<float> copy(l.ptr, l.ptr + l.size);  // nm_sample scales the logits in place
  std::vector<nm_prob_index> scratch(copy.size());
  int tok = nm_sample(copy.data(), static_cast<int>(copy.size()), temperature, topp, &state, scratch.data());
  return py::make_tuple(tok, state);
}

}  // namespace

void bind_kernels(py::module_& m) {
  using py::arg;
  auto impl = arg("impl") = kDefaultImpl;
  auto out = arg("out") = py::none();
  m.def("rmsnorm", &rmsnorm, arg("x"), arg("w"), arg("eps") = 1e-5f, py::kw_only(), impl, out,
        "out = w * (x / sqrt(mean(x^2) + eps)); x, w float32 (n,).");
  m.def("softmax", &softmax, arg("x"), py::kw_only(), impl, out,
        "Softmax of x (n,); out=x runs the engine in place.");
  m.def("silu", &silu, arg("x"), py::kw_only(), impl, out, "x * sigmoid(x); out=x runs in place.");
  m.def("swiglu", &swiglu, arg("hb"), arg("hb2"), py::kw_only(), impl, out,
        "silu(hb) * hb2; out=hb runs in place.");
  m.def("residual_add", &residual_add, arg("x"), arg("y"), py::kw_only(), impl, out, "x + y; out=x runs in place.");
  m.def("rope", &rope, arg("vec"), arg("head_size"), arg("pos"), arg("theta") = 10000.0f, py::kw_only(), impl, out,
        "Pairwise RoPE of vec (dim,) at position pos; out=vec runs in place.");
  m.def("matmul", &matmul, arg("x"), arg("w"), py::kw_only(), impl, out, "w @ x; w (d, n) row-major, x (n,).");
  m.def(
      "matmul_f16",
      [](const py::object& x, const py::object& w, const std::string& i, const py::object& o) {
        return matmul_16(x, w, i, o, false);
      },
      arg("x"), arg("w"), py::kw_only(), impl, out,
      "w @ x; w (d, n) IEEE half (numpy.float16, or its uint16 bits), each weight widened exactly; x float32 (n,).");
  m.def(
      "matmul_bf16",
      [](const py::object& x, const py::object& w, const std::string& i, const py::object& o) {
        return matmul_16(x, w, i, o, true);
      },
      arg("x"), arg("w"), py::kw_only(), impl, out,
      "w @ x; w (d, n) bfloat16 as uint16 bits, each weight widened exactly; x float32 (n,).");
  m.def("attention", &attention, arg("q"), arg("k_cache"), arg("v_cache"), arg("n_heads"), arg("n_kv_heads"),
        arg("pos"), arg("window") = 0, py::kw_only(), impl, out,
        "Causal multi-head attention of q (n_heads*head_size,) over rows 0..pos of the caches "
        "(rows, n_kv_heads*head_size); window > 0 keeps the last `window` positions.");
  m.def("q8_quantize", &q8_quantize, arg("x"), arg("group_size"), arg("rounding") = "even", py::kw_only(), impl,
        "Q8_0 quantization of x (n,): returns (q int8 (n,), scales float32 (n/group_size,)). "
        "rounding: 'even' (exporter) or 'away' (runq activations).");
  m.def("q8_dequantize", &q8_dequantize, arg("q"), arg("scales"), arg("group_size"), py::kw_only(), impl, out,
        "q * scales[i // group_size].");
  m.def("matmul_q8", &matmul_q8, arg("xq"), arg("xs"), arg("wq"), arg("ws"), arg("group_size"), py::kw_only(), impl,
        out, "runq's quantized matmul: int32 group sums scaled by ws and xs.");
  m.def(
      "dequant_q8_0", [](const py::object& b, long long n, const std::string& i) { return dequant_blocks(b, n, i, "dequant_q8_0", 34); },
      arg("blocks"), arg("n"), py::kw_only(), impl, "GGUF Q8_0 blocks (uint8, n/32*34 bytes) to n floats.");
  m.def(
      "dequant_q4_0", [](const py::object& b, long long n, const std::string& i) { return dequant_blocks(b, n, i, "dequant_q4_0", 18); },
      arg("blocks"), arg("n"), py::kw_only(), impl, "GGUF Q4_0 blocks (uint8, n/32*18 bytes) to n floats.");
  m.def(
      "f16_to_f32", [](const py::object& h, const std::string& i) { return half_to_float(h, i, "f16_to_f32", false); },
      arg("h"), py::kw_only(), impl, "IEEE half bits (uint16) to float.");
  m.def(
      "bf16_to_f32", [](const py::object& h, const std::string& i) { return half_to_float(h, i, "bf16_to_f32", true); },
      arg("h"), py::kw_only(), impl, "bfloat16 bits (uint16) to float.");
  m.def(
      "rng_u32", [](uint64_t s, long long c, const std::string& i) { return rng_draw(s, c, i, false); }, arg("state"),
      arg("count") = 1, py::kw_only(), impl, "count draws of llama2.c's random_u32: returns (uint32 array, new state).");
  m.def(
      "rng_f32", [](uint64_t s, long long c, const std::string& i) { return rng_draw(s, c, i, true); }, arg("state"),
      arg("count") = 1, py::kw_only(), impl, "count draws of random_f32: returns (float32 array, new state).");
  m.def("sample_argmax", &sample_argmax, arg("p"), py::kw_only(), impl, "Index of the first maximum.");
  m.def("sample_mult", &sample_mult, arg("p"), arg("coin"), py::kw_only(), impl,
        "First index with coin < cumulative probability, else the last.");
  m.def("sample_topp", &sample_topp, arg("p"), arg("topp"), arg("coin"), py::kw_only(), impl,
        "Top-p (nucleus) sampling of probabilities p.");
  m.def("sample", &sample, arg("logits"), arg("temperature"), arg("topp"), arg("state"), py::kw_only(), impl,
        "run.c's sample() on a copy of logits: returns (token, new rng state).");
  m.def("impls", &impl_names, "Names accepted by impl=.");
}

}  // namespace p9ml
