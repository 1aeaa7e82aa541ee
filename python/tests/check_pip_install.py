"""CTest python.pip_install: the standard package, as a user installs it.

    check_pip_install.py SOURCE_DIR WORK_DIR

In a fresh folder under WORK_DIR (in the build tree): a venv of Debian's
python3 with the system's NumPy, `pip install --no-build-isolation
SOURCE_DIR` offline (PIP_NO_INDEX), no PYTHONPATH; then, run from that
folder, the installed p9ml computes softmax and matmul (checked against
NumPy), shows signatures with the defaults as written, has its stubs and
py.typed, and its version is CMake's; test_stubs.py passes on the
installed package. setup.py's CMake tree is kept in
WORK_DIR/cmake-tree between runs (P9ML_BUILD_DIR), so a rerun recompiles
only what changed; the sources must stay as they were (no egg-info, no
build folder)."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

CHECK = r'''
import importlib.metadata, inspect, pathlib, sys
import numpy as np
import p9ml

site = pathlib.Path(sys.argv[1]).resolve()
where = pathlib.Path(p9ml.__file__).resolve()
assert site in where.parents, "p9ml imported from %s, not from the venv %s" % (where, site)
assert p9ml.__version__ == sys.argv[2] == importlib.metadata.version("p9ml"), p9ml.__version__

rng = np.random.default_rng(7)
x = rng.standard_normal(37).astype(np.float32)
e = np.exp(x.astype(np.float64) - x.max())
np.testing.assert_allclose(p9ml.softmax(x), e / e.sum(), rtol=1e-5)
w = rng.standard_normal((5, 37)).astype(np.float32)
np.testing.assert_allclose(p9ml.matmul(x, w), w.astype(np.float64) @ x, rtol=1e-4, atol=1e-5)

sig = str(inspect.signature(p9ml.Model.generate))
assert sig == "(self, prompt_tokens, steps, temperature=0.0, topp=0.9, seed=1)", sig
assert "eps=1e-05" in str(inspect.signature(p9ml.rmsnorm))
pkg = where.parent
for f in ["py.typed", "__init__.pyi", "reference/__init__.pyi", "reference/exact.pyi", "reference/llama2c.pyi"]:
    assert (pkg / f).is_file(), "not installed: " + f
print("pip_install: p9ml %s from %s: softmax, matmul match NumPy; %s" % (p9ml.__version__, pkg, sig))
'''


def run(cmd, **kw):
    shown = ["<check script>" if a is CHECK else str(a) for a in cmd]
    print("+ " + " ".join(shown), flush=True)
    subprocess.run(cmd, check=True, **kw)


def main():
    src, work = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2]).resolve()
    work.mkdir(parents=True, exist_ok=True)
    version = re.search(r"project\(nineml VERSION ([0-9.]+)", (src / "CMakeLists.txt").read_text()).group(1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", P9ML_BUILD_DIR=str(work / "cmake-tree"))
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="run-", dir=work))
    venv = tmp / "venv"
    run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", venv], env=env)
    run([venv / "bin" / "pip", "install", "--no-build-isolation", src], env=env, cwd=tmp)
    site = subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          env=env, check=True, capture_output=True, text=True).stdout.strip()
    run([venv / "bin" / "python", "-c", CHECK, site, version], env=env, cwd=tmp)
    # The stubs that were installed match the installed module.
    run([venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
         src / "python" / "tests" / "test_stubs.py"], env=env, cwd=tmp)
    left = [p for p in list(src.glob("*.egg-info")) + list((src / "python").glob("*.egg-info"))
            + [src / "python" / "build"] if p.exists()]
    assert not left, "pip install left files in the sources: %s" % left
    shutil.rmtree(tmp)
    print("pip_install: PASS")


if __name__ == "__main__":
    main()
