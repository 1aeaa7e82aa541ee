"""What a Python user expects of a package (issue 18): a version, paths as
str or os.PathLike, the standard exceptions for files that cannot be read
(with the path as their filename), and compare() that never judges a
caller's own expected values by the registry's bounds."""
import errno
import os
import pathlib
import re

import numpy as np
import pytest

import p9ml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_version_is_cmakes_project_version():
    cmake = (ROOT / "CMakeLists.txt").read_text()
    want = re.search(r"project\(nineml VERSION ([0-9.]+)", cmake).group(1)
    assert p9ml.__version__ == want
    assert isinstance(p9ml.__commit__, str) and p9ml.__commit__


@pytest.mark.parametrize("opener", [
    lambda p: p9ml.load(p),
    lambda p: p9ml.Tokenizer(p),
    lambda p: p9ml.reference.Transformer(p),
    lambda p: p9ml.Report.read(p),
])
def test_missing_file_is_file_not_found_error(tmp_path, opener):
    missing = tmp_path / "nosuch.bin"
    with pytest.raises(FileNotFoundError) as e:
        opener(missing)
    assert e.value.errno == errno.ENOENT
    assert e.value.filename == str(missing)
    assert str(e.value).endswith("no such file: '%s'" % missing)


def test_directory_is_is_a_directory_error(tmp_path):
    with pytest.raises(IsADirectoryError):
        p9ml.load(tmp_path)


def test_paths_may_be_pathlike(model_paths, fixture_dir):
    name, path = model_paths[0]
    by_str = p9ml.load(path)
    by_path = p9ml.load(pathlib.Path(path))
    assert by_path.config == by_str.config
    assert np.array_equal(by_path.forward(1, 0), by_str.forward(1, 0))


def test_a_path_of_another_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"load must be a str or os.PathLike path, got an object of type int"):
        p9ml.load(42)


def test_report_write_takes_pathlike(tmp_path):
    r = p9ml.Report()
    r.write(tmp_path / "rep")
    r.write_json(tmp_path / "r.json")
    assert os.path.exists(tmp_path / "rep" / "report.json")
    assert p9ml.Report.read(tmp_path / "r.json").cases == []


def test_compare_needs_the_callers_bound_with_the_callers_expected():
    key = p9ml.cases("softmax")[0]
    exp, _ = p9ml.case_expected(key)
    got = exp.astype(np.float32)
    # The registry's values and bounds together: fine.
    assert p9ml.compare(None, got, case=key)["passed"]
    # The caller's expected alone would be judged by bounds made for other values.
    with pytest.raises(ValueError, match=r"'bound' is required too"):
        p9ml.compare(exp, got, case=key)
    r = p9ml.compare(exp, got, np.full(exp.shape, 1e-3), case=key)
    assert r["passed"]
