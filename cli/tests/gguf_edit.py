#!/usr/bin/env python3
"""Edits GGUF files for the CLI tests (stdlib only).

  gguf_edit.py vocab-only IN OUT          every key/value, no tensors (as
                                          llama.cpp's ggml-vocab-*.gguf)
  gguf_edit.py set-u32 IN OUT KEY VALUE   one u32 value changed in place
  gguf_edit.py set-str IN OUT KEY VALUE   one string value replaced (a file
                                          without tensors: nothing to move)
"""
import struct
import sys

SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
STRING, ARRAY, U32 = 8, 9, 4


def skip_value(b, at, vtype):
    """Offset just past a value of vtype starting at `at`."""
    if vtype == STRING:
        (n,) = struct.unpack_from("<Q", b, at)
        return at + 8 + n
    if vtype == ARRAY:
        etype, count = struct.unpack_from("<IQ", b, at)
        at += 12
        if etype in SIZES:
            return at + SIZES[etype] * count
        for _ in range(count):
            at = skip_value(b, at, etype)
        return at
    return at + SIZES[vtype]


def keys(b):
    """(key, value type, value offset) for each key/value; end offset."""
    magic, _version, _n_tensors, n_kv = struct.unpack_from("<4sIQQ", b, 0)
    assert magic == b"GGUF", "not a GGUF file"
    at, out = 24, []
    for _ in range(n_kv):
        (n,) = struct.unpack_from("<Q", b, at)
        key = b[at + 8 : at + 8 + n].decode()
        (vtype,) = struct.unpack_from("<I", b, at + 8 + n)
        value_at = at + 12 + n
        out.append((key, vtype, value_at))
        at = skip_value(b, value_at, vtype)
    return out, at


def main(argv):
    b = bytearray(open(argv[2], "rb").read())
    kvs, end = keys(b)
    if argv[1] == "vocab-only":
        out = bytearray(b[:end])
        struct.pack_into("<Q", out, 8, 0)  # no tensors
    elif argv[1] == "set-u32":
        matches = [v for k, t, v in kvs if k == argv[4] and t == U32]
        assert matches, f"no u32 key {argv[4]}"
        out = b
        struct.pack_into("<I", out, matches[0], int(argv[5]))
    elif argv[1] == "set-str":
        matches = [v for k, t, v in kvs if k == argv[4] and t == STRING]
        assert matches, f"no string key {argv[4]}"
        assert struct.unpack_from("<Q", b, 8)[0] == 0, "set-str: the file has tensors"
        (n,) = struct.unpack_from("<Q", b, matches[0])
        new = argv[5].encode()
        out = b[: matches[0]] + struct.pack("<Q", len(new)) + new + b[matches[0] + 8 + n :]
    else:
        sys.exit(f"unknown operation {argv[1]}")
    open(argv[3], "wb").write(out)


if __name__ == "__main__":
    main(sys.argv)
