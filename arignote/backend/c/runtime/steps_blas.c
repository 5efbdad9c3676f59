/* Products through BLAS: Dot (and 1-2-d MatMul), Gemm, Gemv.
 *
 * The BLAS routines are SciPy's (scipy.linalg.cython_blas), whose function
 * pointers the Python side hands over at start-up: no BLAS is looked for at
 * build time.  BLAS is column-major; a C-ordered result C = A B is computed
 * as C^T = B^T A^T, which BLAS sees as a column-major product of the same
 * memory.  Operands that are neither row- nor column-contiguous are copied.
 * Anything BLAS cannot compute exactly as NumPy would (integer dtypes, mixed
 * dtypes, ranks above 2, dimensions beyond int, non-finite or zero scalars in
 * Gemm/Gemv) runs the op's NumPy implementation instead.
 */

typedef void (*gemm_fn)(char *, char *, int *, int *, int *, void *, void *, int *, void *, int *,
                        void *, void *, int *);
typedef void (*gemv_fn)(char *, int *, int *, void *, void *, int *, void *, int *, void *, void *, int *);
typedef double (*ddot_fn)(int *, double *, int *, double *, int *);
typedef float (*sdot_fn)(int *, float *, int *, float *, int *);

static gemm_fn blas_gemm[2];   /* [0]: float32, [1]: float64 */
static gemv_fn blas_gemv[2];
static void *blas_dot[2];

/* 0 for float32, 1 for float64, -1 when BLAS does not serve the dtype */
static int blas_index(PyArray_Descr *d) {
    if (d->kind != 'f' || !PyArray_ISNBO(d->byteorder)) return -1;
    if (PyDataType_ELSIZE(d) == 4 && blas_gemm[0] != NULL) return 0;
    if (PyDataType_ELSIZE(d) == 8 && blas_gemm[1] != NULL) return 1;
    return -1;
}

static int fits_int(npy_intp n) { return n >= 0 && n <= INT_MAX; }

/* A matrix for BLAS: a new reference to ``x`` or a C-ordered copy, with its layout
   ('R': row-major, 'C': column-major) and leading dimension in elements. */
static PyArrayObject *blas_matrix(PyArrayObject *x, char *layout, int *ld) {
    const npy_intp isz = PyArray_ITEMSIZE(x), r = PyArray_DIM(x, 0), c = PyArray_DIM(x, 1);
    const npy_intp s0 = PyArray_STRIDE(x, 0), s1 = PyArray_STRIDE(x, 1);
    if (PyArray_ISALIGNED(x) && s0 % isz == 0 && s1 % isz == 0) {
        const npy_intp e0 = s0 / isz, e1 = s1 / isz;
        const npy_intp rowmin = c > 1 ? c : 1, colmin = r > 1 ? r : 1;
        if ((c <= 1 || e1 == 1) && (r <= 1 || e0 >= rowmin)) {
            npy_intp lead = r <= 1 ? rowmin : e0;
            if (fits_int(lead)) {
                *layout = 'R';
                *ld = (int)lead;
                Py_INCREF(x);
                return x;
            }
        }
        if ((r <= 1 || e0 == 1) && (c <= 1 || e1 >= colmin)) {
            npy_intp lead = c <= 1 ? colmin : e1;
            if (fits_int(lead)) {
                *layout = 'C';
                *ld = (int)lead;
                Py_INCREF(x);
                return x;
            }
        }
    }
    PyArrayObject *copy = (PyArrayObject *)PyArray_NewCopy(x, NPY_CORDER);
    if (copy == NULL) return NULL;
    *layout = 'R';
    *ld = (int)(c > 1 ? c : 1);
    return copy;
}

/* a vector for BLAS: a new reference or a contiguous copy, with its increment */
static PyArrayObject *blas_vector(PyArrayObject *x, int *inc) {
    const npy_intp isz = PyArray_ITEMSIZE(x), s = PyArray_STRIDE(x, 0), n = PyArray_DIM(x, 0);
    if (n <= 1) {
        *inc = 1;
        Py_INCREF(x);
        return x;
    }
    if (PyArray_ISALIGNED(x) && s > 0 && s % isz == 0 && fits_int(s / isz)) {
        *inc = (int)(s / isz);
        Py_INCREF(x);
        return x;
    }
    *inc = 1;
    return (PyArrayObject *)PyArray_NewCopy(x, NPY_CORDER);
}

/* out (m x n, C-ordered) = alpha a b + beta out, for matrices a (m x k) and b (k x n) */
static int call_gemm(int which, PyArrayObject *a, PyArrayObject *b, PyArrayObject *out,
                     double alpha, double beta) {
    char la, lb;
    int lda, ldb;
    PyArrayObject *ma = blas_matrix(a, &la, &lda);
    if (ma == NULL) return -1;
    PyArrayObject *mb = blas_matrix(b, &lb, &ldb);
    if (mb == NULL) {
        Py_DECREF(ma);
        return -1;
    }
    int m = (int)PyArray_DIM(a, 0), k = (int)PyArray_DIM(a, 1), n = (int)PyArray_DIM(b, 1);
    int ldc = n > 1 ? n : 1;
    char ta = lb == 'R' ? 'N' : 'T', tb = la == 'R' ? 'N' : 'T';
    float fa = (float)alpha, fb = (float)beta;
    void *pa = which ? (void *)&alpha : (void *)&fa, *pb = which ? (void *)&beta : (void *)&fb;
    Py_BEGIN_ALLOW_THREADS
    blas_gemm[which](&ta, &tb, &n, &m, &k, pa, PyArray_DATA(mb), &ldb, PyArray_DATA(ma), &lda,
                     pb, PyArray_DATA(out), &ldc);
    Py_END_ALLOW_THREADS
    Py_DECREF(ma);
    Py_DECREF(mb);
    return 0;
}

/* y (m) = alpha M x + beta y for the matrix M given as ``a`` (or its transpose) */
static int call_gemv(int which, PyArrayObject *a, int transpose, PyArrayObject *x, PyArrayObject *y,
                     double alpha, double beta) {
    char layout;
    int lda, incx, incy = 1;
    PyArrayObject *ma = blas_matrix(a, &layout, &lda);
    if (ma == NULL) return -1;
    PyArrayObject *vx = blas_vector(x, &incx);
    if (vx == NULL) {
        Py_DECREF(ma);
        return -1;
    }
    if (transpose) layout = layout == 'R' ? 'C' : 'R';
    int rows = (int)PyArray_DIM(a, transpose ? 1 : 0), cols = (int)PyArray_DIM(a, transpose ? 0 : 1);
    char trans = layout == 'R' ? 'T' : 'N';
    int m = layout == 'R' ? cols : rows, n = layout == 'R' ? rows : cols;
    float fa = (float)alpha, fb = (float)beta;
    void *pa = which ? (void *)&alpha : (void *)&fa, *pb = which ? (void *)&beta : (void *)&fb;
    Py_BEGIN_ALLOW_THREADS
    blas_gemv[which](&trans, &m, &n, pa, PyArray_DATA(ma), &lda, PyArray_DATA(vx), &incx, pb,
                     PyArray_DATA(y), &incy);
    Py_END_ALLOW_THREADS
    Py_DECREF(ma);
    Py_DECREF(vx);
    return 0;
}

static int small_enough(PyArrayObject *a) {
    for (int d = 0; d < PyArray_NDIM(a); d++)
        if (!fits_int(PyArray_DIM(a, d))) return 0;
    return 1;
}

static int zero_fill(PyArrayObject *out) {
    memset(PyArray_DATA(out), 0, PyArray_NBYTES(out));
    return 0;
}

/* Dot of 1-d and 2-d float operands of the output's dtype; anything else: NumPy */
static int step_dot(Step *st, PyObject **slots, Pool *pool) {
    PyObject *oa = slots[st->in[0]], *ob = slots[st->in[1]];
    if (!PyArray_Check(oa) || !PyArray_Check(ob)) return step_python(st, slots);
    PyArrayObject *a = (PyArrayObject *)oa, *b = (PyArrayObject *)ob;
    const int which = blas_index(st->out_descr[0]);
    const int na = PyArray_NDIM(a), nb = PyArray_NDIM(b);
    if (which < 0 || na < 1 || na > 2 || nb < 1 || nb > 2 || !small_enough(a) || !small_enough(b)
            || !same_dtype(PyArray_DESCR(a), st->out_descr[0])
            || !same_dtype(PyArray_DESCR(b), st->out_descr[0]))
        return step_python(st, slots);
    const npy_intp k = PyArray_DIM(a, na - 1), kb = PyArray_DIM(b, 0);
    if (k != kb) {
        char sa[256], sb[256];
        fmt_shape(sa, sizeof(sa), na, PyArray_DIMS(a));
        fmt_shape(sb, sizeof(sb), nb, PyArray_DIMS(b));
        PyErr_Format(PyExc_ValueError, "shapes %s and %s not aligned: %ld (dim %d) != %ld (dim 0)",
                     sa, sb, (long)k, na - 1, (long)kb);
        return -1;
    }
    npy_intp shape[2];
    int nd = 0;
    if (na == 2) shape[nd++] = PyArray_DIM(a, 0);
    if (nb == 2) shape[nd++] = PyArray_DIM(b, 1);
    PyArrayObject *out = new_array(pool, st->out_descr[0], nd, shape);
    if (out == NULL) return -1;
    int rc = 0;
    if (PyArray_SIZE(out) == 0) {
        rc = 0;
    } else if (k == 0) {
        rc = zero_fill(out);
    } else if (na == 2 && nb == 2) {
        rc = call_gemm(which, a, b, out, 1.0, 0.0);
    } else if (na == 2) {
        rc = call_gemv(which, a, 0, b, out, 1.0, 0.0);
    } else if (nb == 2) {
        rc = call_gemv(which, b, 1, a, out, 1.0, 0.0);
    } else {
        int n = (int)k, ia, ib;
        PyArrayObject *va = blas_vector(a, &ia), *vb = va ? blas_vector(b, &ib) : NULL;
        if (vb == NULL) {
            Py_XDECREF(va);
            rc = -1;
        } else {
            if (which) *(double *)PyArray_DATA(out) = ((ddot_fn)blas_dot[1])(&n, PyArray_DATA(va), &ia, PyArray_DATA(vb), &ib);
            else *(float *)PyArray_DATA(out) = ((sdot_fn)blas_dot[0])(&n, PyArray_DATA(va), &ia, PyArray_DATA(vb), &ib);
            Py_DECREF(va);
            Py_DECREF(vb);
        }
    }
    if (rc < 0) {
        Py_DECREF(out);
        return -1;
    }
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    return 0;
}

/* a finite nonzero 0-d float, as BLAS needs alpha and beta; 0 when it is not one */
static int blas_scalar(PyObject *obj, PyArray_Descr *descr, double *value) {
    if (!PyArray_Check(obj) || PyArray_SIZE((PyArrayObject *)obj) != 1
            || !same_dtype(PyArray_DESCR((PyArrayObject *)obj), descr))
        return 0;
    const char *p = PyArray_DATA((PyArrayObject *)obj);
    double v;
    if (PyDataType_ELSIZE(descr) == 8) memcpy(&v, p, 8);
    else {
        float f;
        memcpy(&f, p, 4);
        v = f;
    }
    *value = v;
    return isfinite(v) && v != 0.0;
}

/* Gemm (z, alpha, x, y, beta) and Gemv (z, alpha, a, x, beta): beta z + alpha product */
static int step_blas_update(Step *st, PyObject **slots, Pool *pool, int matrix) {
    PyObject *oz = slots[st->in[0]], *ox = slots[st->in[2]], *oy = slots[st->in[3]];
    PyArray_Descr *descr = st->out_descr[0];
    const int which = blas_index(descr);
    double alpha, beta;
    if (which < 0 || !PyArray_Check(oz) || !PyArray_Check(ox) || !PyArray_Check(oy)
            || !blas_scalar(slots[st->in[1]], descr, &alpha) || !blas_scalar(slots[st->in[4]], descr, &beta))
        return step_python(st, slots);
    PyArrayObject *z = (PyArrayObject *)oz, *x = (PyArrayObject *)ox, *y = (PyArrayObject *)oy;
    if (PyArray_NDIM(x) != 2 || PyArray_NDIM(y) != (matrix ? 2 : 1) || PyArray_NDIM(z) > (matrix ? 2 : 1)
            || !same_dtype(PyArray_DESCR(x), descr) || !same_dtype(PyArray_DESCR(y), descr)
            || !same_dtype(PyArray_DESCR(z), descr) || !small_enough(x) || !small_enough(y))
        return step_python(st, slots);
    npy_intp shape[2] = {PyArray_DIM(x, 0), matrix ? PyArray_DIM(y, 1) : 0};
    const int nd = matrix ? 2 : 1;
    const npy_intp k = PyArray_DIM(x, 1);
    if (PyArray_DIM(y, 0) != k || shape[0] == 0 || (matrix && shape[1] == 0) || k == 0)
        return step_python(st, slots);   /* NumPy's errors and empty cases */
    /* z stretched along an axis (or not fitting): the op's Python form decides, which
       knows whether that axis may stretch (statically 1) and raises if not */
    for (int d = 0; d < PyArray_NDIM(z); d++) {
        npy_intp len = PyArray_DIM(z, d), want = shape[nd - PyArray_NDIM(z) + d];
        if (len != want) return step_python(st, slots);
    }
    unsigned char used[4] = {0};
    PyArrayObject *out = donated_output(st, slots, used, descr, nd, shape);
    if (out == NULL) {
        out = new_array(pool, descr, nd, shape);
        if (out == NULL) return -1;
        if (PyArray_CopyInto(out, z) < 0) {
            Py_DECREF(out);
            return -1;
        }
    }
    int rc = matrix ? call_gemm(which, x, y, out, alpha, beta) : call_gemv(which, x, 0, y, out, alpha, beta);
    if (rc < 0) {
        Py_DECREF(out);
        return -1;
    }
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    return 0;
}

static int step_gemm(Step *st, PyObject **slots, Pool *pool) { return step_blas_update(st, slots, pool, 1); }
static int step_gemv(Step *st, PyObject **slots, Pool *pool) { return step_blas_update(st, slots, pool, 0); }
