/* build.h: model memory shared by the builder and the loader. */
#ifndef NINEML_FORMATS_BUILD_H
#define NINEML_FORMATS_BUILD_H

#include "formats/formats.h"

/* Zeroed memory owned by m (freed by nm_model_free), or nil. */
void *nm_model_own(nm_model *m, nm_u64 bytes);

/* Opens PATH read-only as one more view in vs (port.h nm_view_file) and
 * points *data, *len at its bytes; 0, or -1 with "PATH: problem" in err. */
int nm_views_open(nm_views *vs, const char *path, const nm_u8 **data, nm_u64 *len, char *err, int errlen);
/* Closes every view of vs and zeroes it; safe on a zeroed one. */
void nm_views_close(nm_views *vs);

#endif
