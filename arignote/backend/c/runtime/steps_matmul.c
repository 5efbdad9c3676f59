/* Batched MatMul (np.matmul with an operand of rank above 2): one BLAS gemm per matrix of
   the broadcast batch (steps_blas.c's conventions: C = A B computed as C^T = B^T A^T), or for
   tiny matrices and outer products a plain loop (a BLAS call costs more than their work).

   A 1-d operand is a row (left) or column (right) vector whose axis the result drops, as
   NumPy's.  Float32 and float64 operands of the output's dtype only; every other case
   (other dtypes, batch shapes or inner lengths that do not match, dimensions beyond int)
   runs the op's NumPy implementation, which raises NumPy's errors. */

/* The BLAS layout of matrices of r x c elements with strides s0, s1 (bytes): 'R' (row-major)
   or 'C' with the leading dimension, as blas_matrix decides; 0 when neither fits. */
static char raw_layout(npy_intp r, npy_intp c, npy_intp s0, npy_intp s1, npy_intp isz, int *ld) {
    if (s0 % isz != 0 || s1 % isz != 0) return 0;
    const npy_intp e0 = s0 / isz, e1 = s1 / isz;
    const npy_intp rowmin = c > 1 ? c : 1, colmin = r > 1 ? r : 1;
    if ((c <= 1 || e1 == 1) && (r <= 1 || e0 >= rowmin)) {
        npy_intp lead = r <= 1 ? rowmin : e0;
        if (fits_int(lead)) {
            *ld = (int)lead;
            return 'R';
        }
    }
    if ((r <= 1 || e0 == 1) && (c <= 1 || e1 >= colmin)) {
        npy_intp lead = c <= 1 ? colmin : e1;
        if (fits_int(lead)) {
            *ld = (int)lead;
            return 'C';
        }
    }
    return 0;
}

/* one operand's matrices: rows, columns, their strides, and the batch axes' strides */
typedef struct {
    PyArrayObject *array;           /* a new reference: the operand or a C-ordered copy */
    npy_intp rows, cols, rs, cs;
    char layout;
    int ld;
} MatOperand;

/* ``x`` as matrices (a 1-d operand: one row when ``left``, else one column), copied unless
   BLAS can read them when ``blas``; -1: error */
static int mat_operand(PyArrayObject *x, int left, int blas, MatOperand *op) {
    op->array = x;
    op->layout = 0;
    op->ld = 1;
    Py_INCREF(x);
    for (int attempt = 0; attempt < 2; attempt++) {
        PyArrayObject *a = op->array;
        const int nd = PyArray_NDIM(a);
        const npy_intp isz = PyArray_ITEMSIZE(a);
        if (nd == 1) {
            const npy_intp n = PyArray_DIM(a, 0), s = PyArray_STRIDE(a, 0);
            op->rows = left ? 1 : n;
            op->cols = left ? n : 1;
            op->rs = left ? n * isz : s;
            op->cs = left ? s : isz;
        } else {
            op->rows = PyArray_DIM(a, nd - 2);
            op->cols = PyArray_DIM(a, nd - 1);
            op->rs = PyArray_STRIDE(a, nd - 2);
            op->cs = PyArray_STRIDE(a, nd - 1);
        }
        if (!blas) return 0;
        op->layout = raw_layout(op->rows, op->cols, op->rs, op->cs, isz, &op->ld);
        if (op->layout) return 0;
        /* neither row- nor column-contiguous: a C-ordered copy of the whole operand */
        Py_SETREF(op->array, (PyArrayObject *)PyArray_NewCopy(a, NPY_CORDER));
        if (op->array == NULL) return -1;
    }
    PyErr_SetString(PyExc_SystemError, "matmul: a C-ordered copy has no BLAS layout");
    return -1;
}

/* out (m x n, C-ordered) = a b for one matrix of each operand, any strides: the loop NumPy runs
   when it does not call BLAS (each entry summed over k in order from 0) */
#define AG_SMALL_MATMUL(type)                                                              \
    static void small_matmul_##type(const MatOperand *A, const MatOperand *B, const char *pa, \
                                    const char *pb, char *pc, npy_intp m, npy_intp n, npy_intp k) { \
        type *out = (type *)pc;                                                            \
        if (k == 1) { /* an outer product: the same sum of one term, 0 + a_i b_j, per entry */ \
            for (npy_intp i = 0; i < m; i++) {                                             \
                const type ai = *(const type *)(pa + i * A->rs);                           \
                type *row = out + i * n;                                                   \
                if (B->cs == (npy_intp)sizeof(type)) {                                     \
                    const type *bj = (const type *)pb;                                     \
                    for (npy_intp j = 0; j < n; j++) row[j] = (type)0 + ai * bj[j];        \
                } else {                                                                   \
                    for (npy_intp j = 0; j < n; j++)                                       \
                        row[j] = (type)0 + ai * *(const type *)(pb + j * B->cs);           \
                }                                                                          \
            }                                                                              \
            return;                                                                        \
        }                                                                                  \
        for (npy_intp i = 0; i < m; i++)                                                   \
            for (npy_intp j = 0; j < n; j++) {                                             \
                const char *ra = pa + i * A->rs, *cb = pb + j * B->cs;                     \
                type acc = 0;                                                              \
                for (npy_intp l = 0; l < k; l++)                                           \
                    acc += *(const type *)(ra + l * A->cs) * *(const type *)(cb + l * B->rs); \
                out[i * n + j] = acc;                                                      \
            }                                                                              \
    }

AG_SMALL_MATMUL(double)
AG_SMALL_MATMUL(float)

/* below this many multiplications per matrix (or with k = 1, outer products: nothing to block),
   the loop beats a BLAS call, whose fixed cost dominates tiny products */
#define AG_SMALL_MATMUL_WORK 2048

/* MatMul with broadcast batch axes.  iparams: the operands' ranks, then per batch axis of the
   result 1 where the operands' lengths must be equal (neither is statically 1); out_descr:
   the output dtype */
static int step_matmul(Step *st, PyObject **slots, Pool *pool) {
    PyArray_Descr *descr = st->out_descr[0];
    const int which = blas_index(descr);
    PyArrayObject *a = plain_array(slots[st->in[0]], descr), *b = plain_array(slots[st->in[1]], descr);
    if (which < 0 || a == NULL || b == NULL) return fallback(st, slots);
    const int na = PyArray_NDIM(a), nb = PyArray_NDIM(b);
    if (na < 1 || nb < 1 || na != st->iparams[0] || nb != st->iparams[1] || !small_enough(a)
            || !small_enough(b))
        return fallback(st, slots);
    /* the batch axes, broadcast (right-aligned) */
    const int ba = na > 2 ? na - 2 : 0, bb = nb > 2 ? nb - 2 : 0, nbatch = ba > bb ? ba : bb;
    npy_intp shape[NPY_MAXDIMS + 2], as[NPY_MAXDIMS], bs[NPY_MAXDIMS];
    for (int d = 0; d < nbatch; d++) {
        const int da = d - (nbatch - ba), db = d - (nbatch - bb);
        const npy_intp la = da >= 0 ? PyArray_DIM(a, da) : 1, lb = db >= 0 ? PyArray_DIM(b, db) : 1;
        if (la != lb && (st->iparams[2 + d] || (la != 1 && lb != 1))) return fallback(st, slots);
        shape[d] = la == 1 ? lb : la;
    }
    const npy_intp m = na >= 2 ? PyArray_DIM(a, na - 2) : 1, k = PyArray_DIM(a, na - 1);
    const npy_intp kb = PyArray_DIM(b, nb >= 2 ? nb - 2 : 0), n = nb >= 2 ? PyArray_DIM(b, nb - 1) : 1;
    if (k != kb) return fallback(st, slots);
    int nd = nbatch;
    if (na >= 2) shape[nd++] = m;
    if (nb >= 2) shape[nd++] = n;
    if (nd > NPY_MAXDIMS) return fallback(st, slots);
    PyArrayObject *out = new_array(pool, descr, nd, shape);
    if (out == NULL) return -1;
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    if (PyArray_SIZE(out) == 0) return 0;
    if (k == 0) return zero_fill(out);
    const int blas = k > 1 && (double)m * (double)n * (double)k > AG_SMALL_MATMUL_WORK;
    MatOperand A, B;
    if (mat_operand(a, 1, blas, &A) < 0) return -1;
    if (mat_operand(b, 0, blas, &B) < 0) {
        Py_DECREF(A.array);
        return -1;
    }
    /* batch strides of the (possibly copied) operands: 0 along broadcast axes */
    for (int d = 0; d < nbatch; d++) {
        const int da = d - (nbatch - ba), db = d - (nbatch - bb);
        as[d] = da >= 0 && PyArray_DIM(A.array, da) != 1 ? PyArray_STRIDE(A.array, da) : 0;
        bs[d] = db >= 0 && PyArray_DIM(B.array, db) != 1 ? PyArray_STRIDE(B.array, db) : 0;
    }
    int im = (int)m, in = (int)n, ik = (int)k, ldc = in > 1 ? in : 1;
    char ta = B.layout == 'R' ? 'N' : 'T', tb = A.layout == 'R' ? 'N' : 'T';
    double alpha = 1.0, beta = 0.0;
    float fa = 1.0f, fb = 0.0f;
    void *pa = which ? (void *)&alpha : (void *)&fa, *pb = which ? (void *)&beta : (void *)&fb;
    const npy_intp block = m * n * PyArray_ITEMSIZE(out);
    char *pA = PyArray_DATA(A.array), *pB = PyArray_DATA(B.array), *pC = PyArray_DATA(out);
    npy_intp index[NPY_MAXDIMS] = {0};
    Py_BEGIN_ALLOW_THREADS
    for (;;) {
        if (blas) blas_gemm[which](&ta, &tb, &in, &im, &ik, pa, pB, &B.ld, pA, &A.ld, pb, pC, &ldc);
        else if (which) small_matmul_double(&A, &B, pA, pB, pC, m, n, k);
        else small_matmul_float(&A, &B, pA, pB, pC, m, n, k);
        pC += block;
        int d = nbatch - 1;
        for (; d >= 0; d--) {
            pA += as[d];
            pB += bs[d];
            if (++index[d] < shape[d]) break;
            pA -= as[d] * shape[d];
            pB -= bs[d] * shape[d];
            index[d] = 0;
        }
        if (d < 0) break;
    }
    Py_END_ALLOW_THREADS
    Py_DECREF(A.array);
    Py_DECREF(B.array);
    return 0;
}
