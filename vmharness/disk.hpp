// The FAT shared disk, written and read on the host with mtools (no mount).
#pragma once

#include <string>

namespace nineml::vm {

// True for names FAT cannot store: DOS device names (con, aux, nul, prn,
// com1-9, lpt1-9), with or without an extension.
bool dos_device_name(const std::string& file_name);

// True if `image` is a FAT32 image labelled NINEML (what make_fat_image writes).
bool is_our_image(const std::string& image);
// Throws UsageError if `image` exists and is anything else.
void check_our_image(const std::string& image);
// Creates a FAT32 image of `megabytes` (>= 40: mformat -F needs ~34 MB),
// replacing an earlier one of ours; any other file there is a UsageError.
void make_fat_image(const std::string& image, int megabytes);
// Copies the contents of local_dir into the image root, then checks that
// every file arrived with its size (names compared case-insensitively).
// Throws std::runtime_error naming what failed.
void copy_into_image(const std::string& image, const std::string& local_dir);
// Copies ::/remote_dir out of the image into local_parent/remote_dir.
void copy_out_of_image(const std::string& image, const std::string& remote_dir, const std::string& local_parent);

}  // namespace nineml::vm
