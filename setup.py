"""Builds p9ml for pip (the metadata is in pyproject.toml): the extension
p9ml._core is CMake's target p9ml of this source tree (Release; ccache when
installed, as every build of the project), copied into the package.

The CMake tree and setuptools' own folders go to $P9ML_BUILD_DIR, by
default build/pip of the checkout (ignored by git), so an install leaves
no file in the sources and a second install only rebuilds what changed."""
import glob
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(os.environ.get("P9ML_BUILD_DIR") or os.path.join(ROOT, "build", "pip"))


def version():
    """CMake's project version, the one p9ml.__version__ reports."""
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(nineml VERSION ([0-9.]+)", f.read()).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        tree = os.path.join(BUILD, "cmake")
        generator = ["-G", "Ninja"] if shutil.which("ninja") and not os.path.exists(
            os.path.join(tree, "CMakeCache.txt")) else []
        # The interpreter running pip (a venv's python) is the one the module is for.
        subprocess.run(["cmake", "-S", ROOT, "-B", tree, *generator, "-DCMAKE_BUILD_TYPE=Release",
                        "-DPython3_EXECUTABLE=" + sys.executable], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", tree, "--target", "p9ml"], check=True)
        built = glob.glob(os.path.join(tree, "python", "p9ml", "_core*.so"))
        if len(built) != 1:
            raise RuntimeError("p9ml: expected one _core*.so in %s/python/p9ml, found %s" % (tree, built))
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built[0], target)


setup(
    version=version(),
    ext_modules=[Extension("p9ml._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": os.path.join(BUILD, "setuptools")}, "egg_info": {"egg_base": BUILD}},
)
