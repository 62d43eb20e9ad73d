/* ops.c - matrix products and layer normalisation through oneDNN primitives
 * cached per op and shape (buffers swapped into cached memory objects at each
 * call), small-M linears over PyTorch's layout through dnnl_sgemm, and
 * weights packed once into the layout a matmul reads. Version differences
 * stay in dnnl_compat.c. */
#include "ops/ops.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

#include "base/checked.h"
#include "base/error.h"
#include "ops/dnnl_compat.h"

enum { OP_LINEAR = 1, OP_LINEAR_PACKED, OP_MATMUL, OP_MATMUL_BATCHED, OP_LAYER_NORM };

/* Rows of the product whose preferred weight layout ops_pack() takes. oneDNN
 * 2.6's brgemm matmul prefers the same layout for every row count (checked
 * from 1 to 960 rows), and a primitive for any M accepts it. */
#define PACK_ROWS 128

struct ops_packed {
    void *data; /* a (N,K) weight laid out as md */
    int64_t n, k;
    compat_md md;
};

/* Matmul passes src, weights, bias, dst; layer norm src, dst, scale, shift;
 * either may add the scratchpad. */
#define OP_MAX_ARGS 5

/* oneDNN's own allocations use this alignment; the scratchpad follows. */
#define SCRATCHPAD_ALIGN 64

#define SHAPE_TEXT_MAX 160

/* What makes two calls share a primitive. Only int64_t fields, so there is
 * no padding and memcmp() compares keys. */
typedef struct {
    int64_t kind;     /* OP_* */
    int64_t batch;    /* 1 unless OP_MATMUL_BATCHED */
    int64_t m, n, k;  /* layer norm: m = rows, k = dim */
    int64_t flags;    /* OPS_B_* */
    int64_t bias;     /* 1 when a bias is added */
    int64_t eps_bits; /* layer norm: the bit pattern of epsilon */
} op_key;

_Static_assert(sizeof(op_key) == 8 * sizeof(int64_t), "op_key has padding");

/* A primitive with one memory object per argument. args[] lists the
 * caller's tensors in the order each op documents, then the scratchpad if
 * the primitive wants one. */
typedef struct {
    op_key key;
    dnnl_primitive_t prim;
    dnnl_exec_arg_t args[OP_MAX_ARGS];
    int nargs;           /* memory objects created so far */
    int ntensors;        /* of which the caller's tensors */
} op_entry;

struct ops_ctx {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    op_entry **table; /* open addressing; NULL marks a free slot */
    size_t capacity;  /* 0 or a power of two, at least twice count */
    size_t count;
    void *scratchpad; /* SCRATCHPAD_ALIGN-aligned, shared by all primitives */
    size_t scratchpad_bytes;
};

/* ------------------------------------------------------------ messages */

/* A layer norm key's epsilon, kept as its bit pattern. */
static float key_eps(const op_key *key)
{
    const uint32_t bits = (uint32_t)key->eps_bits;
    float eps;
    memcpy(&eps, &bits, sizeof eps);
    return eps;
}

/* "matmul_batched batch=4 M=3 N=17 K=5, b (1,17,5)" */
static void describe(const op_key *key, char *buf, size_t size)
{
    const bool tb = (key->flags & OPS_B_TRANSPOSED) != 0;
    switch (key->kind) {
    case OP_LINEAR:
    case OP_LINEAR_PACKED:
        snprintf(buf, size, "linear M=%" PRId64 " N=%" PRId64 " K=%" PRId64 "%s%s",
                 key->m, key->n, key->k, key->bias ? " with bias" : "",
                 key->kind == OP_LINEAR_PACKED ? ", packed weight" : "");
        break;
    case OP_MATMUL:
        snprintf(buf, size,
                 "matmul M=%" PRId64 " N=%" PRId64 " K=%" PRId64
                 ", b (%" PRId64 ",%" PRId64 ")",
                 key->m, key->n, key->k, tb ? key->n : key->k,
                 tb ? key->k : key->n);
        break;
    case OP_MATMUL_BATCHED:
        snprintf(buf, size,
                 "matmul_batched batch=%" PRId64 " M=%" PRId64 " N=%" PRId64
                 " K=%" PRId64 ", b (%" PRId64 ",%" PRId64 ",%" PRId64 ")",
                 key->batch, key->m, key->n, key->k,
                 (key->flags & OPS_B_SHARED) ? (int64_t)1 : key->batch,
                 tb ? key->n : key->k, tb ? key->k : key->n);
        break;
    default:
        snprintf(buf, size, "layer_norm rows=%" PRId64 " dim=%" PRId64 " eps=%g",
                 key->m, key->k, (double)key_eps(key));
        break;
    }
}

static attn_status invalid(const op_key *key, const char *fmt, ...) ATTN_PRINTF(2, 3);

static attn_status invalid(const op_key *key, const char *fmt, ...)
{
    char shape[SHAPE_TEXT_MAX];
    char problem[SHAPE_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof problem, fmt, ap);
    va_end(ap);
    describe(key, shape, sizeof shape);
    return err_set(ATTN_E_INVALID_ARGUMENT, "%s: %s", shape, problem);
}

/* oneDNN's out_of_memory is an allocation failure like ours; any other
 * refusal of a shape we validated is a bug here or in oneDNN. */
static attn_status dnnl_fail(dnnl_status_t st, const op_key *key, const char *doing)
{
    char shape[SHAPE_TEXT_MAX];
    describe(key, shape, sizeof shape);
    return err_set(st == dnnl_out_of_memory ? ATTN_E_NO_MEMORY : ATTN_E_INTERNAL,
                   "%s: oneDNN status %d (%s) %s", shape, (int)st,
                   dnnl_status2str(st), doing);
}

/* The name of the first NULL among n named pointers, or NULL. */
static const char *first_null(int n, const void *const ptrs[],
                              const char *const names[])
{
    for (int i = 0; i < n; i++)
        if (ptrs[i] == NULL)
            return names[i];
    return NULL;
}

/* True when d0*d1*d2 floats have a byte size that fits ptrdiff_t, which
 * also keeps every stride oneDNN derives from them in int64_t. */
static bool floats_fit(int64_t d0, int64_t d1, int64_t d2)
{
    uint64_t n;
    return checked_mul_u64((uint64_t)d0, (uint64_t)d1, &n) &&
           checked_mul_u64(n, (uint64_t)d2, &n) &&
           checked_mul_u64(n, sizeof(float), &n) && n <= (uint64_t)PTRDIFF_MAX;
}

/* -------------------------------------------------------- the cache */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9u;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static size_t key_hash(const op_key *key)
{
    const int64_t fields[] = {key->kind,  key->batch, key->m,    key->n,
                              key->k,     key->flags, key->bias, key->eps_bits};
    uint64_t h = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        h = mix64(h ^ (uint64_t)fields[i]);
    return (size_t)h;
}

static op_entry *table_find(const ops_ctx *ctx, const op_key *key)
{
    if (ctx->capacity == 0)
        return NULL;
    const size_t mask = ctx->capacity - 1;
    for (size_t i = key_hash(key) & mask;; i = (i + 1) & mask) {
        op_entry *e = ctx->table[i];
        if (e == NULL)
            return NULL;
        if (memcmp(&e->key, key, sizeof *key) == 0)
            return e;
    }
}

static void table_put(op_entry **table, size_t capacity, op_entry *e)
{
    const size_t mask = capacity - 1;
    size_t i = key_hash(&e->key) & mask;
    while (table[i] != NULL)
        i = (i + 1) & mask;
    table[i] = e;
}

/* Makes room for one more entry, so that filing a new primitive cannot fail
 * after it is built. */
static attn_status table_reserve(ops_ctx *ctx)
{
    if (2 * (ctx->count + 1) <= ctx->capacity)
        return ATTN_OK;
    const size_t capacity = ctx->capacity == 0 ? 16 : 2 * ctx->capacity;
    op_entry **table = calloc(capacity, sizeof *table);
    if (table == NULL)
        return err_no_memory("the primitive table");
    for (size_t i = 0; i < ctx->capacity; i++)
        if (ctx->table[i] != NULL)
            table_put(table, capacity, ctx->table[i]);
    free(ctx->table);
    ctx->table = table;
    ctx->capacity = capacity;
    return ATTN_OK;
}

/* Grows the shared scratchpad to at least `bytes`. Only called while a
 * primitive is created, so running one never allocates. The old contents
 * need not survive: a scratchpad only lives during one execution. */
static attn_status scratchpad_reserve(ops_ctx *ctx, size_t bytes)
{
    if (bytes <= ctx->scratchpad_bytes)
        return ATTN_OK;
    if (bytes > SIZE_MAX - SCRATCHPAD_ALIGN)
        return err_no_memory("the oneDNN scratchpad");
    /* aligned_alloc wants a multiple of the alignment */
    const size_t size =
        (bytes + SCRATCHPAD_ALIGN - 1) / SCRATCHPAD_ALIGN * SCRATCHPAD_ALIGN;
    void *p = aligned_alloc(SCRATCHPAD_ALIGN, size);
    if (p == NULL)
        return err_no_memory("the oneDNN scratchpad");
    free(ctx->scratchpad);
    ctx->scratchpad = p;
    ctx->scratchpad_bytes = size;
    return ATTN_OK;
}

static void entry_free(op_entry *e)
{
    for (int i = 0; i < e->nargs; i++)
        dnnl_memory_destroy(e->args[i].memory);
    if (e->prim != NULL)
        dnnl_primitive_destroy(e->prim);
    free(e);
}

/* Builds the primitive of `pd` (always destroyed here) with a memory object
 * for each of the `ntensors` arguments in `arg_ids` plus the scratchpad,
 * and files it under `key`. */
static attn_status entry_create(ops_ctx *ctx, const op_key *key,
                                dnnl_primitive_desc_t pd, const int *arg_ids,
                                int ntensors, op_entry **out)
{
    attn_status rc = table_reserve(ctx);
    op_entry *e = NULL;
    if (rc != ATTN_OK)
        goto fail;
    e = calloc(1, sizeof *e);
    if (e == NULL) {
        rc = err_no_memory("a primitive cache entry");
        goto fail;
    }
    e->key = *key;
    e->ntensors = ntensors;

    const size_t scratch = compat_arg_bytes(pd, DNNL_ARG_SCRATCHPAD);
    if (scratch > 0) {
        rc = scratchpad_reserve(ctx, scratch);
        if (rc != ATTN_OK)
            goto fail;
    }
    const int nargs = ntensors + (scratch > 0);
    for (int i = 0; i < nargs; i++) {
        const int arg = i < ntensors ? arg_ids[i] : DNNL_ARG_SCRATCHPAD;
        dnnl_status_t st =
            compat_arg_memory_create(&e->args[i].memory, pd, ctx->engine, arg);
        if (st != dnnl_success) {
            rc = dnnl_fail(st, key, "creating a memory object");
            goto fail;
        }
        e->args[i].arg = arg;
        e->nargs++;
    }
    dnnl_status_t st = dnnl_primitive_create(&e->prim, pd);
    if (st != dnnl_success) {
        e->prim = NULL;
        rc = dnnl_fail(st, key, "creating the primitive");
        goto fail;
    }
    dnnl_primitive_desc_destroy(pd);
    table_put(ctx->table, ctx->capacity, e);
    ctx->count++;
    *out = e;
    return ATTN_OK;

fail:
    if (e != NULL)
        entry_free(e);
    dnnl_primitive_desc_destroy(pd);
    return rc;
}

/* Runs `e` on the caller's tensors, given in the order of its args. oneDNN
 * only reads inputs, so casting their const away is safe. */
static attn_status entry_run(ops_ctx *ctx, op_entry *e, void *const tensors[])
{
    dnnl_status_t st = dnnl_success;
    for (int i = 0; i < e->nargs && st == dnnl_success; i++)
        st = dnnl_memory_set_data_handle(
            e->args[i].memory, i < e->ntensors ? tensors[i] : ctx->scratchpad);
    if (st != dnnl_success)
        return dnnl_fail(st, &e->key, "setting a buffer");
    st = dnnl_primitive_execute(e->prim, ctx->stream, e->nargs, e->args);
    if (st == dnnl_success)
        st = dnnl_stream_wait(ctx->stream);
    if (st != dnnl_success)
        return dnnl_fail(st, &e->key, "running");
    return ATTN_OK;
}

/* -------------------------------------------------------- context */

attn_status ops_ctx_create(ops_ctx **out)
{
    if (out == NULL)
        return err_set(ATTN_E_INVALID_ARGUMENT, "ops_ctx_create: out is NULL");
    ops_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return err_no_memory("an ops context");
    dnnl_status_t st = dnnl_engine_create(&ctx->engine, dnnl_cpu, 0);
    if (st != dnnl_success) {
        ctx->engine = NULL;
        ops_ctx_free(ctx);
        return err_set(ATTN_E_INTERNAL, "oneDNN status %d (%s) creating the CPU engine",
                       (int)st, dnnl_status2str(st));
    }
    st = dnnl_stream_create(&ctx->stream, ctx->engine, dnnl_stream_default_flags);
    if (st != dnnl_success) {
        ctx->stream = NULL;
        ops_ctx_free(ctx);
        return err_set(ATTN_E_INTERNAL, "oneDNN status %d (%s) creating a CPU stream",
                       (int)st, dnnl_status2str(st));
    }
    *out = ctx;
    return ATTN_OK;
}

void ops_ctx_free(ops_ctx *ctx)
{
    if (ctx == NULL)
        return;
    for (size_t i = 0; i < ctx->capacity; i++)
        if (ctx->table[i] != NULL)
            entry_free(ctx->table[i]);
    free(ctx->table);
    free(ctx->scratchpad);
    if (ctx->stream != NULL)
        dnnl_stream_destroy(ctx->stream);
    if (ctx->engine != NULL)
        dnnl_engine_destroy(ctx->engine);
    free(ctx);
}

size_t ops_ctx_primitive_count(const ops_ctx *ctx)
{
    return ctx != NULL ? ctx->count : 0;
}

/* -------------------------------------------------------- matmul */

static attn_status matmul_check(const op_key *key)
{
    const unsigned known = key->kind == OP_MATMUL_BATCHED
                               ? OPS_B_TRANSPOSED | OPS_B_SHARED
                               : OPS_B_TRANSPOSED;
    if ((uint64_t)key->flags & ~(uint64_t)known)
        return invalid(key, "unknown flags 0x%" PRIx64, (uint64_t)key->flags);
    if (key->batch < 1 || key->m < 1 || key->n < 1 || key->k < 1)
        return invalid(key, "every dim must be >= 1");
    const int64_t b_batch = (key->flags & OPS_B_SHARED) ? 1 : key->batch;
    if (!floats_fit(key->batch, key->m, key->k) ||
        !floats_fit(b_batch, key->k, key->n) ||
        !floats_fit(key->batch, key->m, key->n))
        return invalid(key, "a tensor's size in bytes overflows");
    return ATTN_OK;
}

/* The weights are always described as (.., K, N); a transposed b is the
 * same logical matrix with its strides swapped, a packed one has the layout
 * `packed` (NULL otherwise) gives. */
static attn_status matmul_create(ops_ctx *ctx, const op_key *key, const compat_md *packed,
                                 op_entry **out)
{
    const int64_t B = key->batch, M = key->m, N = key->n, K = key->k;
    const int64_t bB = (key->flags & OPS_B_SHARED) ? 1 : B;
    const bool tb = (key->flags & OPS_B_TRANSPOSED) != 0;
    /* 3-D shapes; a 2-D product uses the last two entries of each */
    const int ndims = key->kind == OP_MATMUL_BATCHED ? 3 : 2;
    const int skip = 3 - ndims;
    const dnnl_dims_t src_dims = {B, M, K}, src_strides = {M * K, K, 1};
    const dnnl_dims_t wei_dims = {bB, K, N};
    const dnnl_dims_t wei_strides = {K * N, tb ? 1 : N, tb ? K : 1};
    const dnnl_dims_t dst_dims = {B, M, N}, dst_strides = {M * N, N, 1};
    const dnnl_dims_t bias_dims = {1, 1, N}, bias_strides = {N, N, 1};
    const int64_t *dims[] = {src_dims, wei_dims, dst_dims, bias_dims};
    const int64_t *strides[] = {src_strides, wei_strides, dst_strides, bias_strides};

    compat_md md[4]; /* src, weights, dst, bias */
    const int want = key->bias ? 4 : 3;
    int made = 0;
    dnnl_status_t st = dnnl_success;
    while (made < want && st == dnnl_success) {
        st = compat_md_create(&md[made], ndims, dims[made] + skip,
                              strides[made] + skip);
        if (st == dnnl_success)
            made++;
    }
    dnnl_primitive_desc_t pd = NULL;
    if (st == dnnl_success)
        st = compat_matmul_pd_create(&pd, ctx->engine, &md[0], packed ? packed : &md[1],
                                     key->bias ? &md[3] : NULL, &md[2]);
    for (int i = 0; i < made; i++)
        compat_md_destroy(&md[i]);
    if (st != dnnl_success)
        return dnnl_fail(st, key, "creating the primitive descriptor");

    const int with_bias[] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST};
    const int without_bias[] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};
    return key->bias ? entry_create(ctx, key, pd, with_bias, 4, out)
                     : entry_create(ctx, key, pd, without_bias, 3, out);
}

/* -------------------------------------------------------- layer norm */

static attn_status layer_norm_check(const op_key *key)
{
    if (key->m < 1 || key->k < 1)
        return invalid(key, "every dim must be >= 1");
    if (!floats_fit(key->m, key->k, 1))
        return invalid(key, "a tensor's size in bytes overflows");
    const float eps = key_eps(key);
    if (!isfinite(eps) || eps < 0.0f)
        return invalid(key, "eps must be finite and >= 0");
    return ATTN_OK;
}

static attn_status layer_norm_create(ops_ctx *ctx, const op_key *key, op_entry **out)
{
    const dnnl_dims_t dims = {key->m, key->k}, strides = {key->k, 1};
    compat_md md;
    dnnl_status_t st = compat_md_create(&md, 2, dims, strides);
    if (st != dnnl_success)
        return dnnl_fail(st, key, "creating a memory descriptor");
    dnnl_primitive_desc_t pd = NULL;
    st = compat_layer_norm_pd_create(&pd, ctx->engine, &md, key_eps(key));
    compat_md_destroy(&md);
    if (st != dnnl_success)
        return dnnl_fail(st, key, "creating the primitive descriptor");
    const int args[] = {DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_SCALE, DNNL_ARG_SHIFT};
    return entry_create(ctx, key, pd, args, 4, out);
}

/* -------------------------------------------------------- lookup */

/* The primitive of a checked key: the cached one, or a new one filed under
 * it. Every op and every ops_prepare_* gets its primitive here; `packed` is
 * the weight of an OP_LINEAR_PACKED key. */
static attn_status entry_get(ops_ctx *ctx, const op_key *key, const ops_packed *packed,
                             op_entry **out)
{
    *out = table_find(ctx, key);
    if (*out == NULL)
        return key->kind == OP_LAYER_NORM ? layer_norm_create(ctx, key, out)
                                          : matmul_create(ctx, key, packed ? &packed->md : NULL,
                                                          out);
    /* Packing takes the same layout for every weight of a shape, so a
     * primitive made for one reads all of them; a difference is our bug. */
    if (packed && !compat_memory_has_md((*out)->args[1].memory, &packed->md)) {
        char shape[SHAPE_TEXT_MAX];
        describe(key, shape, sizeof shape);
        return err_set(ATTN_E_INTERNAL, "%s: weights of one shape were packed differently",
                       shape);
    }
    return ATTN_OK;
}

/* Checks a product and gets its primitive; *out is NULL for a linear that
 * dnnl_sgemm serves. */
static attn_status matmul_prepare(ops_ctx *ctx, const op_key *key, const ops_packed *packed,
                                  op_entry **out)
{
    *out = NULL;
    attn_status rc = matmul_check(key);
    if (rc != ATTN_OK || (key->kind == OP_LINEAR && key->m <= OPS_SGEMM_MAX_M))
        return rc;
    return entry_get(ctx, key, packed, out);
}

static attn_status layer_norm_prepare(ops_ctx *ctx, const op_key *key,
                                      op_entry **out)
{
    attn_status rc = layer_norm_check(key);
    if (rc != ATTN_OK)
        return rc;
    return entry_get(ctx, key, NULL, out);
}

/* -------------------------------------------------------- ops */

static op_key linear_key(int64_t M, int64_t N, int64_t K, bool bias)
{
    return (op_key){.kind = OP_LINEAR, .batch = 1, .m = M, .n = N, .k = K,
                    .flags = OPS_B_TRANSPOSED, .bias = bias};
}

static op_key packed_key(const ops_packed *w, int64_t M, bool bias)
{
    return (op_key){.kind = OP_LINEAR_PACKED, .batch = 1, .m = M, .n = w->n, .k = w->k,
                    .bias = bias};
}

static op_key layer_norm_key(int64_t rows, int64_t dim, float eps)
{
    uint32_t eps_bits;
    memcpy(&eps_bits, &eps, sizeof eps_bits);
    return (op_key){.kind = OP_LAYER_NORM, .batch = 1, .m = rows, .k = dim,
                    .eps_bits = eps_bits};
}

/* dnnl_sgemm is row-major C = alpha·op(A)·op(B) + beta·C, so nn.Linear is
 * A = x, op(B) = wᵀ, with the bias copied into every row of y and kept by
 * beta = 1, as PyTorch's addmm does on the CPU before its own gemm call.
 * x (M,K), w (N,K), b (N) or NULL -> y (M,N) */
static attn_status linear_sgemm(const op_key *key, float *y, const float *x,
                                const float *w, const float *b)
{
    const int64_t M = key->m, N = key->n, K = key->k;
    if (b != NULL)
        for (int64_t m = 0; m < M; m++)
            memcpy(y + m * N, b, (size_t)N * sizeof *y);
    const dnnl_status_t st = dnnl_sgemm('N', 'T', M, N, K, 1.0f, x, K, w, K,
                                        b != NULL ? 1.0f : 0.0f, y, N);
    if (st != dnnl_success)
        return dnnl_fail(st, key, "running sgemm");
    return ATTN_OK;
}

/* a (B,M,K), b (B or 1,K,N) or (B or 1,N,K) or packed, bias (N) or NULL ->
 * c (B,M,N); the pointers have been checked. */
static attn_status matmul_run(ops_ctx *ctx, const op_key *key, float *c, const float *a,
                              const float *b, const ops_packed *packed, const float *bias)
{
    op_entry *e;
    attn_status rc = matmul_prepare(ctx, key, packed, &e);
    if (rc != ATTN_OK)
        return rc;
    if (e == NULL)
        return linear_sgemm(key, c, a, b, bias);
    void *tensors[4];
    int n = 0;
    tensors[n++] = (void *)a;
    tensors[n++] = packed ? packed->data : (void *)b;
    if (bias != NULL)
        tensors[n++] = (void *)bias;
    tensors[n] = c;
    return entry_run(ctx, e, tensors);
}

attn_status ops_prepare_linear(ops_ctx *ctx, int64_t M, int64_t N, int64_t K,
                               bool bias)
{
    const op_key key = linear_key(M, N, K, bias);
    if (ctx == NULL)
        return invalid(&key, "ctx is NULL");
    op_entry *e;
    return matmul_prepare(ctx, &key, NULL, &e);
}

attn_status ops_prepare_linear_packed(ops_ctx *ctx, const ops_packed *w, int64_t M, bool bias)
{
    if (ctx == NULL || w == NULL)
        return err_set(ATTN_E_INVALID_ARGUMENT, "ops_prepare_linear_packed: %s is NULL",
                       ctx ? "w" : "ctx");
    const op_key key = packed_key(w, M, bias);
    op_entry *e;
    return matmul_prepare(ctx, &key, w, &e);
}

// x (M,K), w (N,K), b (N) or NULL -> y (M,N)
attn_status ops_linear(ops_ctx *ctx, float *y, const float *x, const float *w,
                       const float *b, int64_t M, int64_t N, int64_t K)
{
    const op_key key = linear_key(M, N, K, b != NULL);
    const char *missing = first_null(4, (const void *[]){ctx, y, x, w},
                                     (const char *[]){"ctx", "y", "x", "w"});
    if (missing != NULL)
        return invalid(&key, "%s is NULL", missing);
    return matmul_run(ctx, &key, y, x, w, NULL, b);
}

// x (M,K), w packed (N,K), b (N) or NULL -> y (M,N)
attn_status ops_linear_packed(ops_ctx *ctx, float *y, const float *x, const ops_packed *w,
                              const float *b, int64_t M)
{
    if (w == NULL)
        return err_set(ATTN_E_INVALID_ARGUMENT, "ops_linear_packed: w is NULL");
    const op_key key = packed_key(w, M, b != NULL);
    const char *missing = first_null(3, (const void *[]){ctx, y, x},
                                     (const char *[]){"ctx", "y", "x"});
    if (missing != NULL)
        return invalid(&key, "%s is NULL", missing);
    return matmul_run(ctx, &key, y, x, NULL, w, b);
}

// a (M,K), b (K,N) or transposed (N,K) -> c (M,N)
attn_status ops_matmul(ops_ctx *ctx, float *c, const float *a, const float *b,
                       unsigned flags, int64_t M, int64_t N, int64_t K)
{
    const op_key key = {.kind = OP_MATMUL, .batch = 1, .m = M, .n = N, .k = K,
                        .flags = flags};
    const char *missing = first_null(4, (const void *[]){ctx, c, a, b},
                                     (const char *[]){"ctx", "c", "a", "b"});
    if (missing != NULL)
        return invalid(&key, "%s is NULL", missing);
    return matmul_run(ctx, &key, c, a, b, NULL, NULL);
}

// a (B,M,K), b (B,K,N) or (B,N,K), or (1,..) when shared -> c (B,M,N)
attn_status ops_matmul_batched(ops_ctx *ctx, float *c, const float *a,
                               const float *b, unsigned flags, int64_t batch,
                               int64_t M, int64_t N, int64_t K)
{
    const op_key key = {.kind = OP_MATMUL_BATCHED, .batch = batch, .m = M,
                        .n = N, .k = K, .flags = flags};
    const char *missing = first_null(4, (const void *[]){ctx, c, a, b},
                                     (const char *[]){"ctx", "c", "a", "b"});
    if (missing != NULL)
        return invalid(&key, "%s is NULL", missing);
    return matmul_run(ctx, &key, c, a, b, NULL, NULL);
}

attn_status ops_prepare_layer_norm(ops_ctx *ctx, int64_t rows, int64_t dim,
                                   float eps)
{
    const op_key key = layer_norm_key(rows, dim, eps);
    if (ctx == NULL)
        return invalid(&key, "ctx is NULL");
    op_entry *e;
    return layer_norm_prepare(ctx, &key, &e);
}

// x (rows,dim), gamma (dim), beta (dim) -> y (rows,dim)
attn_status ops_layer_norm(ops_ctx *ctx, float *y, const float *x,
                           const float *gamma, const float *beta, float eps,
                           int64_t rows, int64_t dim)
{
    const op_key key = layer_norm_key(rows, dim, eps);
    const char *missing =
        first_null(5, (const void *[]){ctx, y, x, gamma, beta},
                   (const char *[]){"ctx", "y", "x", "gamma", "beta"});
    if (missing != NULL)
        return invalid(&key, "%s is NULL", missing);
    op_entry *e;
    attn_status rc = layer_norm_prepare(ctx, &key, &e);
    if (rc != ATTN_OK)
        return rc;
    void *tensors[] = {(void *)x, y, (void *)gamma, (void *)beta};
    return entry_run(ctx, e, tensors);
}

/* -------------------------------------------------------- packing */

/* Checks the shape, then gives the layout a matmul of PACK_ROWS rows
 * prefers for w (N,K) in *packed, and PyTorch's layout of it in *plain;
 * both described as (K,N). */
static attn_status pack_layouts(ops_ctx *ctx, const op_key *key, compat_md *packed,
                                compat_md *plain)
{
    attn_status rc = matmul_check(key);
    if (rc != ATTN_OK)
        return rc;
    const int64_t N = key->n, K = key->k;
    const dnnl_dims_t src_dims = {PACK_ROWS, K}, src_strides = {K, 1};
    const dnnl_dims_t dst_dims = {PACK_ROWS, N}, dst_strides = {N, 1};
    const dnnl_dims_t wei_dims = {K, N}, wei_strides = {1, K};
    compat_md src, dst, any;
    dnnl_status_t st = compat_md_create(&src, 2, src_dims, src_strides);
    if (st == dnnl_success) {
        st = compat_md_create(&dst, 2, dst_dims, dst_strides);
        if (st == dnnl_success) {
            st = compat_md_create_any(&any, 2, wei_dims);
            if (st == dnnl_success) {
                dnnl_primitive_desc_t pd = NULL;
                st = compat_matmul_pd_create(&pd, ctx->engine, &src, &any, NULL, &dst);
                if (st == dnnl_success) {
                    st = compat_arg_md_copy(packed, pd, DNNL_ARG_WEIGHTS);
                    dnnl_primitive_desc_destroy(pd);
                }
                compat_md_destroy(&any);
            }
            compat_md_destroy(&dst);
        }
        compat_md_destroy(&src);
    }
    if (st != dnnl_success)
        return dnnl_fail(st, key, "choosing a weight layout");
    st = compat_md_create(plain, 2, wei_dims, wei_strides);
    if (st != dnnl_success) {
        compat_md_destroy(packed);
        return dnnl_fail(st, key, "describing the weight");
    }
    return ATTN_OK;
}

attn_status ops_pack_size(ops_ctx *ctx, int64_t N, int64_t K, size_t *bytes)
{
    const op_key key = linear_key(PACK_ROWS, N, K, false);
    if (ctx == NULL || bytes == NULL)
        return invalid(&key, "%s is NULL", ctx ? "bytes" : "ctx");
    *bytes = 0;
    compat_md packed, plain;
    attn_status rc = pack_layouts(ctx, &key, &packed, &plain);
    if (rc != ATTN_OK)
        return rc;
    if (!compat_md_equal(&packed, &plain))
        *bytes = compat_md_bytes(&packed);
    compat_md_destroy(&packed);
    compat_md_destroy(&plain);
    return ATTN_OK;
}

/* Runs one reorder of w laid out as `from` into dst laid out as `to`. */
static attn_status pack_reorder(ops_ctx *ctx, const op_key *key, const compat_md *from,
                                const float *w, const compat_md *to, void *dst)
{
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t prim = NULL;
    dnnl_memory_t src = NULL, out = NULL;
    dnnl_status_t st = compat_reorder_pd_create(&pd, ctx->engine, from, to);
    if (st == dnnl_success)
        st = dnnl_primitive_create(&prim, pd);
    if (st == dnnl_success)
        st = compat_memory_create(&src, from, ctx->engine, (void *)w);
    if (st == dnnl_success)
        st = compat_memory_create(&out, to, ctx->engine, dst);
    if (st == dnnl_success) {
        dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, out}};
        st = dnnl_primitive_execute(prim, ctx->stream, 2, args);
        if (st == dnnl_success)
            st = dnnl_stream_wait(ctx->stream);
    }
    if (out != NULL)
        dnnl_memory_destroy(out);
    if (src != NULL)
        dnnl_memory_destroy(src);
    if (prim != NULL)
        dnnl_primitive_destroy(prim);
    if (pd != NULL)
        dnnl_primitive_desc_destroy(pd);
    return st == dnnl_success ? ATTN_OK : dnnl_fail(st, key, "packing the weight");
}

attn_status ops_pack(ops_ctx *ctx, const float *w, int64_t N, int64_t K, void *dst,
                     ops_packed **out)
{
    const op_key key = linear_key(PACK_ROWS, N, K, false);
    const char *missing = first_null(4, (const void *[]){ctx, w, dst, out},
                                     (const char *[]){"ctx", "w", "dst", "out"});
    if (missing != NULL)
        return invalid(&key, "%s is NULL", missing);
    if ((uintptr_t)dst % OPS_PACK_ALIGN != 0)
        return invalid(&key, "dst is not aligned to %d bytes", OPS_PACK_ALIGN);
    compat_md packed, plain;
    attn_status rc = pack_layouts(ctx, &key, &packed, &plain);
    if (rc != ATTN_OK)
        return rc;
    ops_packed *p = NULL;
    if (compat_md_equal(&packed, &plain))
        rc = invalid(&key, "oneDNN reads the weight as it is stored; there is nothing to pack");
    if (rc == ATTN_OK)
        rc = pack_reorder(ctx, &key, &plain, w, &packed, dst);
    if (rc == ATTN_OK && (p = malloc(sizeof *p)) == NULL)
        rc = err_no_memory("a packed weight");
    compat_md_destroy(&plain);
    if (rc != ATTN_OK) {
        compat_md_destroy(&packed);
        return rc;
    }
    *p = (ops_packed){.data = dst, .n = N, .k = K, .md = packed};
    *out = p;
    return ATTN_OK;
}

void ops_packed_free(ops_packed *w)
{
    if (w == NULL)
        return;
    compat_md_destroy(&w->md);
    free(w);
}
