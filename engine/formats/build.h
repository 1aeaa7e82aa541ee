/* build.h: model memory shared by the builder and the loader. */
#ifndef NINEML_FORMATS_BUILD_H
#define NINEML_FORMATS_BUILD_H

#include "formats/formats.h"

/* Zeroed memory owned by m (freed by nm_model_free), or nil. */
void *nm_model_own(nm_model *m, nm_u64 bytes);

#endif
