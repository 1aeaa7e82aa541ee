// Folders and files `9ml vm` deletes or replaces are only ones it made: a
// folder it creates gets a marker file (.9ml-owned) and is emptied on a
// later run only if the marker is there (or it is empty); anything else is a
// user's, and the run stops with a UsageError (exit 2) instead of deleting it.
#pragma once

#include <stdexcept>
#include <string>

namespace nineml::vm {

// A bad option or a path the harness refuses to touch: one line, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr const char* kOwnedMarker = ".9ml-owned";

// Makes `dir` an empty folder of ours: creates it (with the marker) if it
// does not exist, empties it if it holds the marker, adopts it if it is an
// empty folder; otherwise (a file, a symlink, a folder with content and no
// marker) throws UsageError naming it. `option` names where the path came
// from ("--run-dir"), for the message.
void reset_owned_dir(const std::string& dir, const std::string& option);

// Throws what reset_owned_dir would, without changing anything.
void check_owned_dir(const std::string& dir, const std::string& option);

// True if `dir` is a real folder (not a symlink) holding the marker.
bool is_owned_dir(const std::string& dir);

}  // namespace nineml::vm
