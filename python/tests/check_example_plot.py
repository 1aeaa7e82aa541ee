"""CTest driver of examples/q8_layer_error.py: writes fixture models with
`9ml fixtures` (NINEML_CLI), runs the example into a temporary report
folder and checks that the PNG exists, is a PNG and is not blank."""
import os
import subprocess
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402


def main(example):
    with tempfile.TemporaryDirectory() as tmp:
        fx = os.path.join(tmp, "fixtures")
        subprocess.run([os.environ["NINEML_CLI"], "fixtures", "--out", fx, "--kernel", "softmax"], check=True,
                       stdout=subprocess.DEVNULL)
        out = os.path.join(tmp, "report")
        subprocess.run([sys.executable, example, "--model", os.path.join(fx, "models", "small-unshared.bin"),
                        "--out", out, "--positions", "8"], check=True)
        png = os.path.join(out, "q8_layer_error.png")
        if not os.path.exists(png):
            print("no PNG at " + png)
            return 1
        with open(png, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                print(png + " is not a PNG")
                return 1
        size = os.path.getsize(png)
        img = mpimg.imread(png)
        if size < 5000 or float(np.std(img)) < 0.01:
            print("%s looks blank (%d bytes, pixel std %.4f)" % (png, size, float(np.std(img))))
            return 1
        print("ok: %s, %d bytes, %dx%d" % (png, size, img.shape[1], img.shape[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
