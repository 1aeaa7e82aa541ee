"""The typed package (issue 18): the stubs installed next to p9ml declare
every public name of each module and nothing else, with the runtime's
parameters and defaults; every function and method has a signature that
inspect reads, with the defaults as written, and the same parameters as the
compiled function it calls; py.typed is there."""
import ast
import importlib
import inspect
import pathlib
import pydoc
import typing

import numpy as np
import pytest

import p9ml

MODULES = ["p9ml", "p9ml.reference", "p9ml.reference.exact", "p9ml.reference.llama2c"]
DUNDERS = {"__version__", "__commit__"}
KINDS = {"posonlyargs": inspect.Parameter.POSITIONAL_ONLY, "args": inspect.Parameter.POSITIONAL_OR_KEYWORD,
         "kwonlyargs": inspect.Parameter.KEYWORD_ONLY}


def stub_of(module):
    f = pathlib.Path(module.__file__)
    return f.parent / (f.stem + ".pyi")


def public(name):
    return not name.startswith("_") or name in DUNDERS


def stub_names(body):
    """Public names a stub body declares: defs, classes, annotated or
    assigned names, and explicit re-exports (`from . import x as x`)."""
    out = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, ast.AnnAssign):
            out[node.target.id] = node
        elif isinstance(node, ast.Assign):
            out.update((t.id, node) for t in node.targets)
        elif isinstance(node, ast.ImportFrom):
            out.update((a.asname, node) for a in node.names if a.asname == a.name)
    return {k: v for k, v in out.items() if public(k)}


def stub_params(fn):
    """(name, kind, default) of a stub def, in order."""
    a = fn.args
    out = []
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + a.defaults
    for arg, d in zip(pos, defaults):
        kind = KINDS["posonlyargs" if arg in a.posonlyargs else "args"]
        out.append((arg.arg, kind, inspect.Parameter.empty if d is None else ast.literal_eval(d)))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append((arg.arg, KINDS["kwonlyargs"], inspect.Parameter.empty if d is None else ast.literal_eval(d)))
    assert not a.vararg and not a.kwarg, "%s: the stubs spell out every parameter" % fn.name
    return out


def runtime_params(obj):
    return [(p.name, p.kind, p.default) for p in inspect.signature(obj).parameters.values()]


def is_property(fn):
    return any(isinstance(d, ast.Name) and d.id == "property" for d in fn.decorator_list)


@pytest.mark.parametrize("name", MODULES)
def test_stub_names_are_the_module_names(name):
    module = importlib.import_module(name)
    stub = stub_names(ast.parse(stub_of(module).read_text()).body)
    runtime = {n for n in dir(module) if public(n)}
    assert sorted(runtime - set(stub)) == [], "public in %s but not in its stub" % name
    assert sorted(set(stub) - runtime) == [], "in the stub of %s but not in the module" % name


@pytest.mark.parametrize("name", MODULES)
def test_stub_signatures_are_the_runtime_signatures(name):
    module = importlib.import_module(name)
    checked = 0
    for n, node in stub_names(ast.parse(stub_of(module).read_text()).body).items():
        obj = getattr(module, n)
        if isinstance(node, ast.FunctionDef):
            assert stub_params(node) == runtime_params(obj), "%s.%s" % (name, n)
            checked += 1
        elif isinstance(node, ast.ClassDef):
            members = stub_names(node.body)
            members.update((f.name, f) for f in node.body if isinstance(f, ast.FunctionDef))
            runtime = {m for m in dir(obj) if not m.startswith("_")}
            declared = {m for m in members if not m.startswith("_")}
            assert runtime == declared, "members of %s.%s" % (name, n)
            for m, f in members.items():
                if isinstance(f, ast.FunctionDef) and not is_property(f) and m in ("__init__",) + tuple(declared):
                    assert stub_params(f) == runtime_params(getattr(obj, m)), "%s.%s.%s" % (name, n, m)
                    checked += 1
            if "__init__" in members:
                inspect.signature(obj)  # the class itself has a signature too
    assert checked


def all_functions():
    """Every public function and method of the package, by dotted name."""
    for name in MODULES:
        module = importlib.import_module(name)
        for n in dir(module):
            obj = getattr(module, n)
            if n.startswith("_") or inspect.ismodule(obj):
                continue
            if inspect.isclass(obj):
                for m in ["__init__"] + [m for m in dir(obj) if not m.startswith("_")]:
                    f = getattr(obj, m)
                    if callable(f) and (m != "__init__" or "__init__" in vars(obj)):
                        yield "%s.%s.%s" % (name, n, m), f
            elif callable(obj):
                yield "%s.%s" % (name, n), obj


def test_every_function_has_a_signature_with_defaults_as_written():
    seen = 0
    for where, f in all_functions():
        sig = inspect.signature(f)  # raises ValueError for a pybind11 builtin
        for p in sig.parameters.values():
            if isinstance(p.default, float):
                # The shortest float32 spelling: 0.9, not 0.8999999761581421.
                assert repr(p.default) == str(np.float32(p.default)), "%s: %s=%r" % (where, p.name, p.default)
        seen += 1
    assert seen > 60
    assert "topp=0.9," in str(inspect.signature(p9ml.Model.generate))
    assert "eps=1e-05," in str(inspect.signature(p9ml.rmsnorm))
    assert str(inspect.signature(p9ml.reference.exact.softmax)) == "(x, *, impl='ref-exact', out=None)"
    assert str(inspect.signature(p9ml.Tokenizer)) == "(path, vocab_size=0)"
    # help() shows the same signatures.
    assert "generate(self, prompt_tokens, steps, temperature=0.0, topp=0.9, seed=1)" in \
        pydoc.render_doc(p9ml.Model, renderer=pydoc.plaintext)


def compiled_params(f):
    """Parameters of a pybind11 function from its docstring's first line,
    `name(a: T, b: T = default, *, c: T = default) -> R`."""
    line = f.__doc__.split("\n", 1)[0]
    a = ast.parse("def " + line.split(" -> ")[0] + ": pass").body[0].args
    pos = a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + a.defaults
    empty = inspect.Parameter.empty
    out = [(x.arg, KINDS["args"], empty if d is None else ast.literal_eval(d)) for x, d in zip(pos, defaults)]
    out += [(x.arg, KINDS["kwonlyargs"], empty if d is None else ast.literal_eval(d))
            for x, d in zip(a.kwonlyargs, a.kw_defaults)]
    return out


def same_default(ours, theirs):
    if ours is inspect.Parameter.empty or theirs is inspect.Parameter.empty:
        return ours is theirs
    if isinstance(ours, float):  # C++ float: equal after rounding to float32
        return np.float32(ours) == np.float32(theirs)
    return ours == theirs


def test_wrappers_have_the_compiled_parameters():
    """Each Python function calls a compiled one (its `_compiled`) and
    declares the same parameter names, kinds and defaults."""
    n = 0
    for where, f in all_functions():
        if not inspect.isfunction(f):
            continue  # the partials of reference.exact/llama2c: over checked functions
        assert hasattr(f, "_compiled"), "%s calls no compiled function" % where
        ours = runtime_params(f)
        theirs = compiled_params(f._compiled)
        assert [(p[0], p[1]) for p in ours] == [(p[0], p[1]) for p in theirs], where
        for (name, _, d), (_, _, cd) in zip(ours, theirs):
            assert same_default(d, cd), "%s: %s=%r, compiled %r" % (where, name, d, cd)
        n += 1
    assert n > 40


def test_py_typed_and_stubs_are_in_the_package():
    root = pathlib.Path(p9ml.__file__).parent
    assert (root / "py.typed").is_file()
    for name in MODULES:
        assert stub_of(importlib.import_module(name)).is_file(), name


def test_version():
    assert p9ml.__version__ == p9ml._core.__version__ and p9ml.__version__.count(".") == 2


@pytest.mark.parametrize("name", MODULES)
def test_stub_annotations_resolve(name):
    """Every annotation of a stub names something that exists (no type
    checker is installed here: this is the check that a typo such as
    `_Flaot` or `np.float23` does not pass)."""
    module = importlib.import_module(name)
    ns = {"__name__": name, "__package__": name if hasattr(module, "__path__") else name.rpartition(".")[0]}
    exec(compile("from __future__ import annotations\n" + stub_of(module).read_text(), str(stub_of(module)), "exec"), ns)
    n = 0
    for obj in list(ns.values()):
        for f in ([obj] if inspect.isfunction(obj) else
                  [m.fget if isinstance(m, property) else getattr(m, "__func__", m) for m in vars(obj).values()]
                  if inspect.isclass(obj) and obj.__module__ == name else []):
            if inspect.isfunction(f):
                typing.get_type_hints(f, globalns=ns)
                n += 1
        if inspect.isclass(obj) and obj.__module__ == name:
            typing.get_type_hints(obj, globalns=ns)
    assert n
