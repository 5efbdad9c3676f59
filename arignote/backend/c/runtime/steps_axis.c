/* Steps that run along axes: running sums and products (CumOp), Softmax and LogSoftmax.

   Each handles float32 and float64 (and, for CumOp, integers and booleans, accumulated in
   the 64-bit integer NumPy accumulates them in) and hands every other case to the op's
   NumPy implementation (st->fallback, see steps_structural.c): other dtypes, inputs of
   another dtype or rank than the node declares.  Running sums and products add and
   multiply in NumPy's order (one element after the other), so their results are NumPy's
   bit for bit; the normalisers follow the op's formula (the maximum subtracted) with the C
   library's exp and log and sums in order, so they differ from NumPy's (SIMD exp, pairwise
   sums) by rounding only. */

/* Calls ``line(ctx, in, out)`` for each line of ``shape`` along ``axis``: the pointers of its
   first element in ``in_data`` and ``out_data``, whose strides are given.  No call when an
   axis other than ``axis`` has length 0. */
typedef void (*ag_line_fn)(void *ctx, const char *in, char *out);

static void for_each_line(int nd, const npy_intp *shape, int axis, const char *in_data,
                          const npy_intp *in_strides, char *out_data, const npy_intp *out_strides,
                          ag_line_fn line, void *ctx) {
    int outer[NPY_MAXDIMS], m = 0;
    for (int d = 0; d < nd; d++)
        if (d != axis) {
            if (shape[d] == 0) return;
            outer[m++] = d;
        }
    npy_intp index[NPY_MAXDIMS] = {0};
    for (;;) {
        line(ctx, in_data, out_data);
        int j = m - 1;
        for (; j >= 0; j--) {
            const int d = outer[j];
            in_data += in_strides[d];
            out_data += out_strides[d];
            if (++index[j] < shape[d]) break;
            in_data -= in_strides[d] * shape[d];
            out_data -= out_strides[d] * shape[d];
            index[j] = 0;
        }
        if (j < 0) return;
    }
}

/* --- CumOp ------------------------------------------------------------------------------ */

enum ag_cum_elem { CUM_F64, CUM_F32, CUM_INT };

typedef struct {
    int mul, elem;          /* product (1) or sum; ag_cum_elem */
    int size, is_signed;    /* CUM_INT: the input's element size and signedness */
    npy_intp n, in_stride, out_stride;
} CumLine;

/* an integer element (bool, signed or unsigned, 1-8 bytes) as the 64-bit pattern NumPy's
   cast to int64 / uint64 gives */
static inline uint64_t int_element(const char *p, int size, int is_signed) {
    return (uint64_t)index_at(p, 0, 0, size, is_signed);
}

#define AG_CUM_LINE(type, read)                                                            \
    do {                                                                                   \
        type acc = read(in);                                                               \
        *(type *)out = acc;                                                                \
        for (npy_intp i = 1; i < c->n; i++) {                                              \
            type v = read(in + i * c->in_stride);                                          \
            acc = c->mul ? (type)(acc * v) : (type)(acc + v);                              \
            *(type *)(out + i * c->out_stride) = acc;                                      \
        }                                                                                  \
    } while (0)

#define AG_READ_F64(p) (*(const double *)(p))
#define AG_READ_F32(p) (*(const float *)(p))
#define AG_READ_INT(p) int_element((p), c->size, c->is_signed)

static void cum_line(void *ctx, const char *in, char *out) {
    const CumLine *c = ctx;
    if (c->n == 0) return;
    /* integers wrap around as NumPy's do: the arithmetic is on unsigned 64-bit patterns */
    switch (c->elem) {
    case CUM_F64: AG_CUM_LINE(double, AG_READ_F64); break;
    case CUM_F32: AG_CUM_LINE(float, AG_READ_F32); break;
    default: AG_CUM_LINE(uint64_t, AG_READ_INT); break;
    }
}

/* CumOp (np.cumsum / np.cumprod): iparams mode (0: sum, 1: product), axis (-1: flattened);
   out_descr: the output dtype (NumPy's accumulation dtype for the declared input) */
static int step_cumulative(Step *st, PyObject **slots, Pool *pool) {
    PyArray_Descr *descr = st->out_descr[0];
    const int axis = (int)st->iparams[1];
    PyArrayObject *x = plain_array(slots[st->in[0]], NULL);
    if (x == NULL) return fallback(st, slots);
    PyArray_Descr *xd = PyArray_DESCR(x);
    CumLine c = {.mul = st->iparams[0] != 0};
    if (descr->kind == 'f') {
        /* a float input of the output's dtype (float16 and long double: NumPy) */
        if (!same_dtype(xd, descr) || (descr->type_num != NPY_FLOAT64 && descr->type_num != NPY_FLOAT32))
            return fallback(st, slots);
        c.elem = descr->type_num == NPY_FLOAT64 ? CUM_F64 : CUM_F32;
    } else if ((descr->kind == 'i' || descr->kind == 'u') && PyDataType_ELSIZE(descr) == 8
               && PyArray_ISNBO(descr->byteorder)) {
        /* NumPy accumulates bool and signed integers as int64, unsigned ones as uint64 */
        const char want = xd->kind == 'u' ? 'u' : 'i';
        if ((xd->kind != 'b' && xd->kind != 'i' && xd->kind != 'u') || want != descr->kind
                || PyDataType_ELSIZE(xd) > 8)
            return fallback(st, slots);
        c.elem = CUM_INT;
        c.size = (int)PyDataType_ELSIZE(xd);
        c.is_signed = xd->kind == 'i';
    } else {
        return fallback(st, slots);
    }
    const int nd = PyArray_NDIM(x);
    if (axis >= nd) return fallback(st, slots);
    PyArrayObject *src = x;
    Py_INCREF(src);
    if (axis < 0 && !PyArray_IS_C_CONTIGUOUS(x)) {
        /* flattened in C order: walked as one contiguous line */
        Py_DECREF(src);
        src = (PyArrayObject *)PyArray_NewCopy(x, NPY_CORDER);
        if (src == NULL) return -1;
    }
    PyArrayObject *out;
    if (axis < 0) {
        const npy_intp n = PyArray_SIZE(src);
        out = new_array(pool, descr, 1, &n);
        if (out != NULL) {
            c.n = n;
            c.in_stride = PyArray_ITEMSIZE(src);
            c.out_stride = PyDataType_ELSIZE(descr);
            cum_line(&c, PyArray_DATA(src), PyArray_DATA(out));
        }
    } else {
        out = new_array(pool, descr, nd, PyArray_DIMS(src));
        if (out != NULL) {
            c.n = PyArray_DIM(src, axis);
            c.in_stride = PyArray_STRIDE(src, axis);
            c.out_stride = PyArray_STRIDE(out, axis);
            for_each_line(nd, PyArray_DIMS(src), axis, PyArray_DATA(src), PyArray_STRIDES(src),
                          PyArray_DATA(out), PyArray_STRIDES(out), cum_line, &c);
        }
    }
    Py_DECREF(src);
    if (out == NULL) return -1;
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    return 0;
}

/* --- Softmax, LogSoftmax ---------------------------------------------------------------- */

/* Visits the elements of one group (the reduced axes, at one index of the kept ones):
   ``nr`` axes of lengths ``shape`` and strides ``in_s`` / ``out_s``, as an odometer. */
typedef struct {
    int nr;
    npy_intp shape[NPY_MAXDIMS], in_s[NPY_MAXDIMS], out_s[NPY_MAXDIMS];
} Group;

/* (the body reads ``in`` and writes ``out``; in0 and out0 must not name them) */
#define AG_GROUP_LOOP(g, in0, out0, body)                                                  \
    do {                                                                                   \
        npy_intp gi_[NPY_MAXDIMS] = {0};                                                   \
        const char *in = (in0);                                                            \
        char *out = (out0);                                                                \
        for (;;) {                                                                         \
            body;                                                                          \
            int j_ = (g)->nr - 1;                                                          \
            for (; j_ >= 0; j_--) {                                                        \
                in += (g)->in_s[j_];                                                       \
                out += (g)->out_s[j_];                                                     \
                if (++gi_[j_] < (g)->shape[j_]) break;                                     \
                in -= (g)->in_s[j_] * (g)->shape[j_];                                      \
                out -= (g)->out_s[j_] * (g)->shape[j_];                                    \
                gi_[j_] = 0;                                                               \
            }                                                                              \
            if (j_ < 0) break;                                                             \
        }                                                                                  \
    } while (0)

/* one group of a softmax (log_ = 0) or log-softmax (log_ = 1) in ``type`` with its exp/log:
   the op's formulas, e = exp(x - max) and e / sum(e); shifted = x - max (0 for an infinite
   max) and shifted - log(sum(exp(shifted))).  A NaN makes the maximum NaN, as np.max. */
#define AG_SOFTMAX_GROUP(type, EXP, LOG, ISFINITE)                                         \
    static void softmax_group_##type(const Group *g, int log_, const char *in0, char *out0) { \
        type m = *(const type *)in0;                                                       \
        AG_GROUP_LOOP(g, in0, out0, {                                                      \
            type v = *(const type *)in;                                                    \
            if (v > m || v != v) m = m != m ? m : v;                                       \
        });                                                                                \
        if (log_ && !ISFINITE(m)) m = 0;                                                   \
        type s = 0;                                                                        \
        AG_GROUP_LOOP(g, in0, out0, {                                                      \
            type d = (type)(*(const type *)in - m);                                        \
            type e = EXP(d);                                                               \
            s = (type)(s + e);                                                             \
            *(type *)out = log_ ? d : e;                                                   \
        });                                                                                \
        if (log_) {                                                                        \
            const type ls = LOG(s);                                                        \
            AG_GROUP_LOOP(g, in0, out0, { *(type *)out = (type)(*(type *)out - ls); });    \
        } else {                                                                           \
            AG_GROUP_LOOP(g, in0, out0, { *(type *)out = (type)(*(type *)out / s); });     \
        }                                                                                  \
    }

AG_SOFTMAX_GROUP(double, exp, log, isfinite)
AG_SOFTMAX_GROUP(float, expf, logf, isfinite)

/* Softmax / LogSoftmax: iparams log (1 for LogSoftmax), all (1: every axis, as axis=None),
   then the reduced axes.  A float input of the output's dtype; anything else: NumPy. */
static int step_softmax(Step *st, PyObject **slots, Pool *pool) {
    PyArray_Descr *descr = st->out_descr[0];
    const int log_ = st->iparams[0] != 0;
    PyArrayObject *x = plain_array(slots[st->in[0]], descr);
    if (x == NULL || (descr->type_num != NPY_FLOAT64 && descr->type_num != NPY_FLOAT32))
        return fallback(st, slots);
    const int nd = PyArray_NDIM(x);
    unsigned char reduced[NPY_MAXDIMS] = {0};
    if (st->iparams[1]) {
        memset(reduced, 1, sizeof(reduced));
    } else {
        for (int i = 2; i < st->n_iparams; i++) {
            const npy_intp a = st->iparams[i];
            if (a < 0 || a >= nd) return fallback(st, slots);
            reduced[a] = 1;
        }
    }
    PyArrayObject *result = new_array(pool, descr, nd, PyArray_DIMS(x));
    if (result == NULL) return -1;
    Py_XSETREF(slots[st->out[0]], (PyObject *)result);
    if (PyArray_SIZE(x) == 0) return 0;   /* an empty result, as the op gives */
    Group g = {0}, kept = {0};
    for (int d = 0; d < nd; d++) {
        Group *to = reduced[d] ? &g : &kept;
        to->shape[to->nr] = PyArray_DIM(x, d);
        to->in_s[to->nr] = PyArray_STRIDE(x, d);
        to->out_s[to->nr++] = PyArray_STRIDE(result, d);
    }
    const int f64 = descr->type_num == NPY_FLOAT64;
    AG_GROUP_LOOP(&kept, PyArray_DATA(x), PyArray_DATA(result), {
        if (f64) softmax_group_double(&g, log_, in, out);
        else softmax_group_float(&g, log_, in, out);
    });
    return 0;
}
