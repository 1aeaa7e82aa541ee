/*
 * port.h: the one interface between the portable engine and its platform.
 * Only this header and the C files in engine/port/ may include system
 * headers; every other engine file includes this first (see
 * docs/PLAN9_SUBSET.md).
 */
#ifndef NINEML_PORT_H
#define NINEML_PORT_H

#if defined(NINEML_PLAN9)
#include <u.h>
#include <libc.h>
typedef u8int nm_u8;
typedef s8int nm_i8;
typedef u16int nm_u16;
typedef u32int nm_u32;
typedef s32int nm_i32;
typedef u64int nm_u64;
typedef s64int nm_i64;
#elif defined(NINEML_SUBSET_CHECK)
/* Host check of the 6c subset: compiled with -nostdinc, so no system header. */
typedef unsigned char nm_u8;
typedef signed char nm_i8;
typedef unsigned short nm_u16;
typedef unsigned int nm_u32;
typedef int nm_i32;
typedef unsigned long long nm_u64;
typedef long long nm_i64;
#define nil ((void *)0)
#else
#include <stdint.h>
#include <stddef.h>
typedef uint8_t nm_u8;
typedef int8_t nm_i8;
typedef uint16_t nm_u16;
typedef uint32_t nm_u32;
typedef int32_t nm_i32;
typedef uint64_t nm_u64;
typedef int64_t nm_i64;
#ifndef nil
#define nil ((void *)0)
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Memory: nm_alloc returns zeroed memory or nil. */
void *nm_alloc(nm_u64 bytes);
void nm_free(void *p);
void nm_memcpy(void *dst, const void *src, nm_u64 bytes);
void nm_memset(void *dst, int byte, nm_u64 bytes);

/*
 * Float math. On POSIX these are libm's float functions (expf, sqrtf, ...),
 * matching upstream llama2.c; on Plan 9 they are the double functions rounded
 * to float, which is exactly the difference the 9front diff report shows.
 */
float nm_expf(float x);
float nm_sqrtf(float x);
float nm_powf(float x, float y);
float nm_sinf(float x);
float nm_cosf(float x);

/* Classification without x != x (6c does not order NaN compares). */
int nm_isnan(float x);
int nm_isinf(float x);

/*
 * Masks floating-point traps: Plan 9 starts processes with invalid,
 * divide-by-zero and overflow trapping; the kernels must see IEEE results.
 */
void nm_fp_ieee_mode(void);

/* Wall-clock seconds, monotonic where the platform allows. */
double nm_seconds(void);

#ifdef __cplusplus
}
#endif

#endif
