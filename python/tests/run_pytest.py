"""Runs the p9ml pytest suite for CTest: fails when pytest fails, and also
when it collects no tests (pytest's exit code 5), so a broken discovery can
never pass silently."""
import sys

import pytest

if __name__ == "__main__":
    rc = pytest.main(["-q", "-p", "no:cacheprovider", sys.argv[1]])
    if rc == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("run_pytest: no tests were collected from " + sys.argv[1], file=sys.stderr)
        sys.exit(1)
    sys.exit(int(rc))
