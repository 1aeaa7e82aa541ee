# Filters a Ninja build's output for a terminal or CI log: its one line per
# step (hundreds) becomes a progress line per 10%, and every other line
# (warnings, errors, FAILED:) passes through as it comes.
#   cmake --build DIR | awk -v what=DIR -f scripts/ninja-progress.awk
/^\[[0-9]+\/[0-9]+\] / {
  split(substr($1, 2, length($1) - 2), n, "/")
  tenth = int(n[1] * 10 / n[2])
  if (tenth != last) {
    printf "build: %s %d%% (%d/%d steps)\n", what, tenth * 10, n[1], n[2]
    last = tenth
    fflush()
  }
  next
}
{ print; fflush() }
