# Debian's headless Chromium for the HTML page tests (html_chromium.sh:
# index.html, diff_chromium.sh: diff.html). Sourced by a script that set -u
# and defined TMP (a scratch directory) and fail(). Chromium only opens
# file:// URLs here; proxy and DNS point nowhere, so nothing can reach the
# network.

# need_chromium: sets CHROMIUM, or exits 77 (skipped) without it, except
# under CI=true, where that is a failure.
need_chromium() {
  CHROMIUM=$(command -v chromium || true)
  if [ -z "$CHROMIUM" ]; then
    [ "${CI:-}" = true ] && fail "chromium is not installed (CI=true requires it: scripts/install-deps.sh installs it)"
    echo "SKIP: chromium is not installed (scripts/install-deps.sh installs Debian's chromium)"
    exit 77
  fi
}

# chrome LOG ARGS...: one headless run with a fresh profile, at most 120 s.
chrome() {
  local log=$1; shift
  rm -rf "$TMP/profile"
  timeout -k 10 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$TMP/profile" \
    --no-first-run --no-default-browser-check --disable-extensions --disable-sync \
    --disable-background-networking --disable-component-update --disable-default-apps \
    --proxy-server=127.0.0.1:9 --host-resolver-rules='MAP * ~NOTFOUND' \
    --hide-scrollbars --force-device-scale-factor=1 "$@" 2>"$log"
}

# screenshot PAGE PNG: the first screen of PAGE at a 1280-px-wide window,
# checked to be a 1280-px-wide PNG that is not blank.
screenshot() {
  ( cd "$TMP" && chrome "$TMP/shot.log" --window-size=1280,1000 --screenshot="$2" "file://$1" >/dev/null ) ||
    { cat "$TMP/shot.log" >&2; fail "chromium --screenshot of $1 failed"; }
  /usr/bin/python3 - "$2" <<'PY' || fail "screenshot $2 is not a 1280-px-wide PNG"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert width == 1280 and height > 0, f"{width}x{height}"
assert len(data) > 10000, f"only {len(data)} bytes: a blank page?"
PY
}

# dump_dom PAGE OUT: the DOM Chromium built from PAGE, into OUT.
dump_dom() {
  chrome "$TMP/dom.log" --window-size=1280,1000 --dump-dom "file://$1" >"$2" ||
    { cat "$TMP/dom.log" >&2; fail "chromium --dump-dom of $1 failed"; }
}

# check_layout DIR PAGE SELECTOR OUT: layout at 1280 px, measured by the
# browser itself. A wrapper page loads DIR/PAGE in a 1280x900-px iframe and
# writes the iframe document's scrollWidth, and where the first element
# matching SELECTOR is, into its own DOM; OUT gets the lines "page SW CW",
# "control SW CW" and "first-row-top PX|none". No horizontal overflow is
# allowed. A control page that does overflow is measured the same way, so a
# measurement that does not really lay out the page fails. Sets ROW_TOP.
check_layout() {
  local dir=$1 page=$2 selector=$3 out=$4
  cat >"$dir/overflow-control.html" <<'HTML'
<!DOCTYPE html><html><body><div style="width:2000px">wider than the frame</div></body></html>
HTML
  cat >"$dir/layout.html" <<HTML
<!DOCTYPE html>
<html><body style="margin:0">
<iframe id="page" src="$page" style="width:1280px;height:900px;border:0"></iframe>
<iframe id="control" src="overflow-control.html" style="width:1280px;height:100px;border:0"></iframe>
<pre id="out">not measured</pre>
<script>
// The window's load event comes after both frames have loaded and laid out.
window.addEventListener("load", function () {
  var line = "";
  for (var id of ["page", "control"]) {
    var d = document.getElementById(id).contentDocument;
    line += d ? id + " " + d.documentElement.scrollWidth + " " + d.documentElement.clientWidth + "\n" : id + " no-access\n";
  }
  var d = document.getElementById("page").contentDocument;
  var row = d && d.querySelector("$selector");
  line += "first-row-top " + (row ? Math.round(row.getBoundingClientRect().top) : "none") + "\n";
  document.getElementById("out").textContent = line;
});
</script>
</body></html>
HTML
  chrome "$TMP/layout.log" --window-size=1400,1100 --allow-file-access-from-files --dump-dom "file://$dir/layout.html" >"$TMP/layout.dom" ||
    { cat "$TMP/layout.log" >&2; fail "chromium --dump-dom of the layout page failed"; }
  sed -n 's/.*<pre id="out">//; /^\(page\|control\|first-row-top\) /p' "$TMP/layout.dom" | sed 's/<\/pre>.*//' >"$out"
  local sw cw csw ccw
  read -r _ sw cw <<<"$(grep '^page ' "$out")"
  read -r _ csw ccw <<<"$(grep '^control ' "$out")"
  [[ "${sw:-}" =~ ^[0-9]+$ && "${csw:-}" =~ ^[0-9]+$ ]] || { cat "$TMP/layout.dom" >&2; fail "the layout page measured nothing"; }
  [ "$csw" -gt 1280 ] || fail "the overflowing control page measured $csw px: the measurement does not lay out"
  [ "$sw" -le 1280 ] && [ "$sw" -le "$cw" ] || fail "$page overflows at 1280 px: scrollWidth $sw, clientWidth $cw"
  read -r _ ROW_TOP <<<"$(grep '^first-row-top ' "$out")"
  LAYOUT_WIDTHS="scrollWidth $sw <= clientWidth $cw"
}
