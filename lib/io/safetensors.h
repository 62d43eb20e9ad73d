/* safetensors.h - reads one .safetensors file: validates the header against
 * everything the format requires and exposes each tensor's bytes and a
 * float32 view. Does not know what the tensors mean. */
#ifndef ATTN_IO_SAFETENSORS_H
#define ATTN_IO_SAFETENSORS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "io/mapped_file.h"

#define ST_MAX_DIMS 8
/* Headers larger than this are refused before parsing, as the reference
 * implementation does. */
#define ST_HEADER_MAX ((uint64_t)100 * 1000 * 1000)

typedef enum {
    ST_BOOL, ST_U8, ST_I8, ST_F8_E5M2, ST_F8_E4M3,
    ST_I16, ST_U16, ST_F16, ST_BF16,
    ST_I32, ST_U32, ST_F32,
    ST_I64, ST_U64, ST_F64,
    ST_DTYPE_COUNT
} st_dtype;

typedef struct {
    const char *name;              /* owned by the file's header */
    st_dtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    uint64_t numel;
    const void *data;              /* the raw bytes inside the file */
    uint64_t nbytes;
    /* float32 values: in place for aligned F32, converted once at open for
     * F16, BF16, F64 and misaligned F32; NULL for other dtypes. */
    const float *f32;
} st_tensor;

typedef struct {
    mf_file file;
    json_t *header;
    st_tensor *tensors;            /* in file order (by data offset) */
    size_t count;
    float *converted;              /* one block behind every converted f32 */
} st_file;

/* Opens and validates `path`. Errors name the file and, where relevant, the
 * tensor: ATTN_E_FORMAT for anything the format forbids, ATTN_E_UNSUPPORTED
 * for more than ST_MAX_DIMS dimensions, plus mf_open()'s errors. */
attn_status st_open(const char *path, bool use_mmap, st_file *out);

/* Releases everything; safe on a zeroed st_file. */
void st_close(st_file *file);

/* "F32", "BF16", ... as written in headers. */
const char *st_dtype_name(st_dtype dtype);

#endif
