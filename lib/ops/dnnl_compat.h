/* dnnl_compat.h - the one place that knows whether oneDNN is 2.x or 3.x: the
 * calls whose names or types differ, behind version-neutral functions. Every
 * other dnnl_* call in lib/ops means the same in both and is made directly. */
#ifndef ATTN_OPS_DNNL_COMPAT_H
#define ATTN_OPS_DNNL_COMPAT_H

#include <stddef.h>

#include <oneapi/dnnl/dnnl.h>

/* A float32 memory descriptor. The 2.x type is a struct held by value, the
 * 3.x type a handle; either way create it with compat_md_create() and end it
 * with compat_md_destroy(). */
typedef dnnl_memory_desc_t compat_md;

/* A float32 tensor of `ndims` dims laid out by element `strides`. */
dnnl_status_t compat_md_create(compat_md *md, int ndims, const dnnl_dims_t dims,
                               const dnnl_dims_t strides);

/* A float32 tensor of `ndims` dims whose layout the primitive chooses
 * (format tag any). */
dnnl_status_t compat_md_create_any(compat_md *md, int ndims, const dnnl_dims_t dims);

/* Releases what compat_md_create() made (nothing in 2.x); safe after a
 * failed create. */
void compat_md_destroy(compat_md *md);

/* dst = src · weights (+ bias); bias NULL means none. Scratchpad mode user.
 * The descriptors may be destroyed once this returns. */
dnnl_status_t compat_matmul_pd_create(dnnl_primitive_desc_t *pd,
                                      dnnl_engine_t engine, const compat_md *src,
                                      const compat_md *weights,
                                      const compat_md *bias,
                                      const compat_md *dst);

/* Layer normalisation over the last dim of `data` for inference, with a
 * scale (DNNL_ARG_SCALE) and a shift (DNNL_ARG_SHIFT) of that dim's size;
 * src and dst share `data`'s layout. Scratchpad mode user. */
dnnl_status_t compat_layer_norm_pd_create(dnnl_primitive_desc_t *pd,
                                          dnnl_engine_t engine,
                                          const compat_md *data, float epsilon);

/* A memory object without a buffer for execution argument `arg` (DNNL_ARG_*)
 * of `pd`; the buffer is set with dnnl_memory_set_data_handle(). */
dnnl_status_t compat_arg_memory_create(dnnl_memory_t *memory,
                                       const_dnnl_primitive_desc_t pd,
                                       dnnl_engine_t engine, int arg);

/* Bytes that execution argument `arg` of `pd` needs; 0 when unused. */
size_t compat_arg_bytes(const_dnnl_primitive_desc_t pd, int arg);

/* A copy in *md of the descriptor of execution argument `arg` of `pd`, to
 * outlive it; end it with compat_md_destroy(). */
dnnl_status_t compat_arg_md_copy(compat_md *md, const_dnnl_primitive_desc_t pd, int arg);

/* Bytes of a tensor laid out as `md`. */
size_t compat_md_bytes(const compat_md *md);

/* Whether two descriptors describe the same layout. */
int compat_md_equal(const compat_md *a, const compat_md *b);

/* Whether `memory` is laid out as `md`. */
int compat_memory_has_md(const_dnnl_memory_t memory, const compat_md *md);

/* A memory object over `handle` laid out as `md`. */
dnnl_status_t compat_memory_create(dnnl_memory_t *memory, const compat_md *md,
                                   dnnl_engine_t engine, void *handle);

/* A reorder from layout `src` to layout `dst` on one engine. */
dnnl_status_t compat_reorder_pd_create(dnnl_primitive_desc_t *pd, dnnl_engine_t engine,
                                       const compat_md *src, const compat_md *dst);

#endif
