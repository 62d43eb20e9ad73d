/* dnnl_compat.c - oneDNN 2.x and 3.x behind one set of calls: the 2.x branch
 * builds operation descriptors and passes memory descriptors by address, the
 * 3.x branch passes descriptor handles straight to *_primitive_desc_create. */
#include "ops/dnnl_compat.h"

/* What dnnl_primitive_desc_query_md() returns in each version. */
#if DNNL_VERSION_MAJOR >= 3
typedef const_dnnl_memory_desc_t md_view;
#define MD_VIEW(md) (*(md))
#else
typedef const dnnl_memory_desc_t *md_view;
#define MD_VIEW(md) (md)
#endif

/* Attributes asking for a scratchpad passed at execution: oneDNN's own
 * scratchpad is thread-local, so a primitive using it would be tied to the
 * thread that created it. */
static dnnl_status_t user_scratchpad_attr(dnnl_primitive_attr_t *attr)
{
    dnnl_status_t st = dnnl_primitive_attr_create(attr);
    if (st != dnnl_success)
        return st;
    st = dnnl_primitive_attr_set_scratchpad_mode(*attr, dnnl_scratchpad_mode_user);
    if (st != dnnl_success) {
        dnnl_primitive_attr_destroy(*attr);
        *attr = NULL;
    }
    return st;
}

#if DNNL_VERSION_MAJOR >= 3

dnnl_status_t compat_md_create(compat_md *md, int ndims, const dnnl_dims_t dims,
                               const dnnl_dims_t strides)
{
    *md = NULL;
    dnnl_status_t st =
        dnnl_memory_desc_create_with_strides(md, ndims, dims, dnnl_f32, strides);
    if (st != dnnl_success)
        *md = NULL;
    return st;
}

dnnl_status_t compat_md_create_any(compat_md *md, int ndims, const dnnl_dims_t dims)
{
    *md = NULL;
    dnnl_status_t st =
        dnnl_memory_desc_create_with_tag(md, ndims, dims, dnnl_f32, dnnl_format_tag_any);
    if (st != dnnl_success)
        *md = NULL;
    return st;
}

void compat_md_destroy(compat_md *md)
{
    if (*md != NULL) {
        dnnl_memory_desc_destroy(*md);
        *md = NULL;
    }
}

dnnl_status_t compat_matmul_pd_create(dnnl_primitive_desc_t *pd,
                                      dnnl_engine_t engine, const compat_md *src,
                                      const compat_md *weights,
                                      const compat_md *bias,
                                      const compat_md *dst)
{
    *pd = NULL;
    dnnl_primitive_attr_t attr;
    dnnl_status_t st = user_scratchpad_attr(&attr);
    if (st != dnnl_success)
        return st;
    st = dnnl_matmul_primitive_desc_create(pd, engine, *src, *weights,
                                           bias != NULL ? *bias : NULL, *dst,
                                           attr);
    dnnl_primitive_attr_destroy(attr);
    return st;
}

dnnl_status_t compat_layer_norm_pd_create(dnnl_primitive_desc_t *pd,
                                          dnnl_engine_t engine,
                                          const compat_md *data, float epsilon)
{
    *pd = NULL;
    dnnl_primitive_attr_t attr;
    dnnl_status_t st = user_scratchpad_attr(&attr);
    if (st != dnnl_success)
        return st;
    st = dnnl_layer_normalization_forward_primitive_desc_create(
        pd, engine, dnnl_forward_inference, *data, *data, NULL, epsilon,
        dnnl_use_scale | dnnl_use_shift, attr);
    dnnl_primitive_attr_destroy(attr);
    return st;
}

static dnnl_status_t md_copy(compat_md *md, md_view src)
{
    *md = NULL;
    dnnl_status_t st = dnnl_memory_desc_clone(md, src);
    if (st != dnnl_success)
        *md = NULL;
    return st;
}

#else /* oneDNN 2.x */

static dnnl_status_t md_copy(compat_md *md, md_view src)
{
    *md = *src;
    return dnnl_success;
}

dnnl_status_t compat_md_create(compat_md *md, int ndims, const dnnl_dims_t dims,
                               const dnnl_dims_t strides)
{
    return dnnl_memory_desc_init_by_strides(md, ndims, dims, dnnl_f32, strides);
}

dnnl_status_t compat_md_create_any(compat_md *md, int ndims, const dnnl_dims_t dims)
{
    return dnnl_memory_desc_init_by_tag(md, ndims, dims, dnnl_f32, dnnl_format_tag_any);
}

void compat_md_destroy(compat_md *md)
{
    (void)md; /* a 2.x descriptor owns nothing */
}

dnnl_status_t compat_matmul_pd_create(dnnl_primitive_desc_t *pd,
                                      dnnl_engine_t engine, const compat_md *src,
                                      const compat_md *weights,
                                      const compat_md *bias,
                                      const compat_md *dst)
{
    *pd = NULL;
    dnnl_matmul_desc_t desc;
    dnnl_status_t st = dnnl_matmul_desc_init(&desc, src, weights, bias, dst);
    if (st != dnnl_success)
        return st;
    dnnl_primitive_attr_t attr;
    st = user_scratchpad_attr(&attr);
    if (st != dnnl_success)
        return st;
    st = dnnl_primitive_desc_create(pd, &desc, attr, engine, NULL);
    dnnl_primitive_attr_destroy(attr);
    return st;
}

dnnl_status_t compat_layer_norm_pd_create(dnnl_primitive_desc_t *pd,
                                          dnnl_engine_t engine,
                                          const compat_md *data, float epsilon)
{
    *pd = NULL;
    /* 2.x also has dnnl_use_scaleshift (one 2xC tensor); separate scale and
     * shift match 3.x, where scaleshift is gone, and PyTorch's two tensors. */
    dnnl_layer_normalization_desc_t desc;
    dnnl_status_t st = dnnl_layer_normalization_forward_desc_init(
        &desc, dnnl_forward_inference, data, NULL, epsilon,
        dnnl_use_scale | dnnl_use_shift);
    if (st != dnnl_success)
        return st;
    dnnl_primitive_attr_t attr;
    st = user_scratchpad_attr(&attr);
    if (st != dnnl_success)
        return st;
    st = dnnl_primitive_desc_create(pd, &desc, attr, engine, NULL);
    dnnl_primitive_attr_destroy(attr);
    return st;
}

#endif

dnnl_status_t compat_arg_memory_create(dnnl_memory_t *memory,
                                       const_dnnl_primitive_desc_t pd,
                                       dnnl_engine_t engine, int arg)
{
    md_view md = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg);
    if (md == NULL)
        return dnnl_invalid_arguments;
    return dnnl_memory_create(memory, md, engine, DNNL_MEMORY_NONE);
}

size_t compat_arg_bytes(const_dnnl_primitive_desc_t pd, int arg)
{
    md_view md = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg);
    return md != NULL ? dnnl_memory_desc_get_size(md) : 0;
}

dnnl_status_t compat_arg_md_copy(compat_md *md, const_dnnl_primitive_desc_t pd, int arg)
{
    md_view src = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg);
    if (src == NULL)
        return dnnl_invalid_arguments;
    return md_copy(md, src);
}

size_t compat_md_bytes(const compat_md *md)
{
    return dnnl_memory_desc_get_size(MD_VIEW(md));
}

int compat_md_equal(const compat_md *a, const compat_md *b)
{
    return dnnl_memory_desc_equal(MD_VIEW(a), MD_VIEW(b));
}

int compat_memory_has_md(const_dnnl_memory_t memory, const compat_md *md)
{
    md_view own;
    return dnnl_memory_get_memory_desc(memory, &own) == dnnl_success &&
           dnnl_memory_desc_equal(own, MD_VIEW(md));
}

dnnl_status_t compat_memory_create(dnnl_memory_t *memory, const compat_md *md,
                                   dnnl_engine_t engine, void *handle)
{
    return dnnl_memory_create(memory, MD_VIEW(md), engine, handle);
}

dnnl_status_t compat_reorder_pd_create(dnnl_primitive_desc_t *pd, dnnl_engine_t engine,
                                       const compat_md *src, const compat_md *dst)
{
    return dnnl_reorder_primitive_desc_create(pd, MD_VIEW(src), engine, MD_VIEW(dst),
                                              engine, NULL);
}
