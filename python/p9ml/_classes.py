"""Python methods for the compiled classes (Model, Tokenizer, Report,
reference.Transformer): the same names, keywords and defaults as the C++
ones, so that inspect.signature reads them, and a readable repr."""
from . import _core
from ._wrap import install


def _compiled(cls, *names):
    """The compiled methods, taken before the Python ones replace them."""
    return {n: getattr(cls, n) for n in names}


_M = _compiled(_core.Model, "forward", "reset", "generate", "weights")
_T = _compiled(_core.Tokenizer, "__init__", "encode", "decode", "decode_bytes")
_R = _compiled(_core.Report, "__init__", "read", "add", "extend", "summary", "write", "write_json")
_X = _compiled(_core.reference.Transformer, "__init__", "forward", "reset", "generate")


class _Model:
    def forward(self, token, pos):
        return _M["forward"](self, token, pos)

    def reset(self):
        return _M["reset"](self)

    def generate(self, prompt_tokens, steps, temperature=0.0, topp=0.9, seed=1):
        return _M["generate"](self, prompt_tokens, steps, temperature, topp, seed)

    def weights(self):
        return _M["weights"](self)

    def __repr__(self):
        c = self.config
        return "<p9ml.Model %r: %s %s %s, dim=%d n_layers=%d vocab_size=%d, impl=%s>" % (
            self.path, c["format"], c["arch"], c["weight_type"], c["dim"], c["n_layers"], c["vocab_size"],
            c["backend"])


class _Tokenizer:
    def __init__(self, path, vocab_size=0):
        _T["__init__"](self, path, vocab_size)

    def encode(self, text, bos=True, eos=False):
        return _T["encode"](self, text, bos, eos)

    def decode(self, ids):
        return _T["decode"](self, ids)

    def decode_bytes(self, ids):
        return _T["decode_bytes"](self, ids)

    def __repr__(self):
        return "<p9ml.Tokenizer: %d tokens>" % len(self)


class _Report:
    def __init__(self, host="python", command="p9ml"):
        _R["__init__"](self, host, command)

    @staticmethod
    def read(path):
        return _R["read"](path)

    def add(self, result):
        return _R["add"](self, result)

    def extend(self, results):
        return _R["extend"](self, results)

    def summary(self):
        return _R["summary"](self)

    def write(self, dir):
        return _R["write"](self, dir)

    def write_json(self, path):
        return _R["write_json"](self, path)

    def __repr__(self):
        failed = sum(s["failed"] for s in self.summary())
        return "<p9ml.Report host=%r command=%r: %d cases, %d passed, %d failed>" % (
            self.host, self.command, len(self), len(self) - failed, failed)


class _Transformer:
    def __init__(self, path, mode="exact"):
        _X["__init__"](self, path, mode)

    def forward(self, token, pos):
        return _X["forward"](self, token, pos)

    def reset(self):
        return _X["reset"](self)

    def generate(self, prompt_tokens, steps, temperature=0.0, topp=0.9, seed=1):
        return _X["generate"](self, prompt_tokens, steps, temperature, topp, seed)

    def __repr__(self):
        c = self.config
        return "<p9ml.reference.Transformer mode=%s: dim=%d n_layers=%d vocab_size=%d>" % (
            self.mode, c["dim"], c["n_layers"], c["vocab_size"])


install(_core.Model, _Model, "p9ml")
install(_core.Tokenizer, _Tokenizer, "p9ml")
install(_core.Report, _Report, "p9ml")
install(_core.reference.Transformer, _Transformer, "p9ml.reference")
