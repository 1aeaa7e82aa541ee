"""Helpers that turn the compiled functions of p9ml._core into ordinary
Python functions: the wrapper has the signature (inspect.signature, help(),
defaults as written: 0.9, not the float32 0.8999999761581421) and takes the
compiled function's docstring, so the text is written once, in C++."""


def doc_text(compiled):
    """The docstring of a pybind11 function without its first line, the
    C++ signature (which shows float defaults widened from float32)."""
    lines = (compiled.__doc__ or "").split("\n", 1)
    return lines[1].strip() if len(lines) > 1 else ""


def doc_from(compiled):
    """Decorator: the wrapper's docstring is the compiled function's, and
    `_compiled` names that function (python/tests/test_stubs.py checks that
    both have the same parameters)."""
    def give(f):
        f.__doc__ = doc_text(compiled) or None
        f._compiled = compiled
        return f
    return give


def install(cls, methods, module):
    """Puts the functions of the class `methods` onto the compiled class
    `cls` in place of its compiled methods (objects the C++ side creates,
    e.g. by load(), are of `cls`, so the Python methods are where they look).
    Each takes the docstring of the method it replaces, and `_compiled`
    names that method, as doc_from does."""
    cls.__module__ = module
    for name, f in vars(methods).items():
        if name.startswith("__") and name not in ("__init__", "__repr__"):
            continue
        fn = f.__func__ if isinstance(f, staticmethod) else f
        if name in cls.__dict__ and name != "__repr__":
            doc_from(getattr(cls, name))(fn)
        fn.__qualname__ = cls.__name__ + "." + name
        fn.__module__ = module
        setattr(cls, name, f)
