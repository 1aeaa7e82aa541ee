"""The registry, comparator and model loader of p9ml as Python functions
over the compiled ones (p9ml._core): same names, keywords and defaults
(docs/PYTHON.md, "Comparator and reports", "Models")."""
from . import _core
from ._wrap import doc_from


@doc_from(_core.kernels)
def kernels():
    return _core.kernels()


@doc_from(_core.cases)
def cases(kernel):
    return _core.cases(kernel)


@doc_from(_core.case_inputs)
def case_inputs(key):
    return _core.case_inputs(key)


@doc_from(_core.case_expected)
def case_expected(key):
    return _core.case_expected(key)


@doc_from(_core.compare)
def compare(expected, got, bound=None, *, kernel=None, case=None, impl="python", tolerance_note=""):
    return _core.compare(expected, got, bound, kernel=kernel, case=case, impl=impl, tolerance_note=tolerance_note)


@doc_from(_core.run_case)
def run_case(key, impl=None):
    return _core.run_case(key, impl)


@doc_from(_core.conformance_impls)
def conformance_impls():
    return _core.conformance_impls()


@doc_from(_core.load)
def load(path, tokenizer=None, *, impl="engine-scalar"):
    return _core.load(path, tokenizer, impl=impl)
