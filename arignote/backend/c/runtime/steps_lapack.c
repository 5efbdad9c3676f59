/* Linear algebra through LAPACK: Cholesky, solves (triangular, general, positive definite,
 * with a Cholesky factor), det and slogdet, on one matrix or on a stack of them (a Blockwise
 * node: batch axes broadcast as NumPy's gufuncs do).
 *
 * The routines are SciPy's (scipy.linalg.cython_lapack, and trsm from cython_blas), whose
 * function pointers the Python side hands over at start-up, as for BLAS.  LAPACK is
 * column-major: a C-ordered matrix is its transpose there, so each routine is called on the
 * transposed problem (the comments say how) rather than on a transposed copy.
 *
 * Anything these loops do not compute exactly as the op's NumPy implementation would falls
 * back to that implementation for the whole step: complex or mismatched inputs, empty
 * matrices, shapes that do not fit (NumPy raises the error), and every failure of a routine
 * (a matrix that is not positive definite, a singular system, a zero on a triangular
 * diagonal) — the op's own code then gives its NaNs or raises its error.
 */

typedef void (*potrf_fn)(char *, int *, void *, int *, int *);
typedef void (*potrs_fn)(char *, int *, int *, void *, int *, void *, int *, int *);
typedef void (*getrf_fn)(int *, int *, void *, int *, int *, int *);
typedef void (*getrs_fn)(char *, int *, int *, void *, int *, int *, void *, int *, int *);
typedef void (*trsm_fn)(char *, char *, char *, char *, int *, int *, void *, void *, int *, void *,
                        int *);
typedef void (*trsv_fn)(char *, char *, char *, int *, void *, int *, void *, int *);
typedef void (*potri_fn)(char *, int *, void *, int *, int *);

static potrf_fn lapack_potrf[2];   /* [0]: float32, [1]: float64 */
static potrs_fn lapack_potrs[2];
static getrf_fn lapack_getrf[2];
static getrs_fn lapack_getrs[2];
static trsm_fn blas_trsm[2];
static trsv_fn blas_trsv[2];
static potri_fn lapack_potri[2];

/* what a LAPACK step computes (the first integer parameter) */
enum ag_lapack {
    LA_CHOLESKY = 0, LA_SOLVE_TRIANGULAR, LA_SOLVE_GENERAL, LA_SOLVE_POSITIVE, LA_CHO_SOLVE,
    LA_DET, LA_SLOGDET, LA_CHO_INVERSE, LA_COUNT
};

static int lapack_install(int which, void *potrf, void *potrs, void *getrf, void *getrs, void *trsm,
                          void *trsv, void *potri) {
    if (!potrf || !potrs || !getrf || !getrs || !trsm || !trsv || !potri) return 0;
    lapack_potri[which] = (potri_fn)potri;
    blas_trsv[which] = (trsv_fn)trsv;
    lapack_potrf[which] = (potrf_fn)potrf;
    lapack_potrs[which] = (potrs_fn)potrs;
    lapack_getrf[which] = (getrf_fn)getrf;
    lapack_getrs[which] = (getrs_fn)getrs;
    blas_trsm[which] = (trsm_fn)trsm;
    return 1;
}

/* dst[i, j] = src[i, j] for a rows x cols matrix; every stride in bytes */
static void copy_matrix(char *dst, npy_intp drs, npy_intp dcs, const char *src, npy_intp srs,
                        npy_intp scs, npy_intp rows, npy_intp cols, int isz) {
    for (npy_intp i = 0; i < rows; i++) {
        char *d = dst + i * drs;
        const char *s = src + i * srs;
        if (dcs == isz && scs == isz)
            memcpy(d, s, (size_t)cols * isz);
        else if (isz == 8)
            for (npy_intp j = 0; j < cols; j++) memcpy(d + j * dcs, s + j * scs, 8);
        else
            for (npy_intp j = 0; j < cols; j++) memcpy(d + j * dcs, s + j * scs, 4);
    }
}

static double element(const char *p, int isz) {
    if (isz == 8) {
        double v;
        memcpy(&v, p, 8);
        return v;
    }
    float f;
    memcpy(&f, p, 4);
    return f;
}

static void set_element(char *p, int isz, double v) {
    if (isz == 8) {
        memcpy(p, &v, 8);
    } else {
        float f = (float)v;
        memcpy(p, &f, 4);
    }
}

/* One matrix's problem: the core of each input (pointer and byte strides of its last axes) and
   of each output (C-contiguous). */
typedef struct {
    int routine, which, isz, lower, unit_diagonal, b_ndim;
    int n, k;                           /* a is n x n; b (and a solve's x) n x k */
    char *a, *b;
    npy_intp as0, as1, bs0, bs1;
    char *out[2];
    char *work;                         /* a copy of a (n x n), when the routine needs one */
    char *cols;                         /* b's columns (n x k), when the routine needs them */
    int *ipiv;
} Problem;

/* a matrix usable in place: 'R' (rows contiguous) or 'C' (columns), with its leading
   dimension; 0 when it must be copied */
static char in_place_layout(npy_intp s0, npy_intp s1, int n, int isz, int *ld) {
    if (s1 == isz && s0 % isz == 0 && s0 / isz >= n && s0 / isz <= INT_MAX) {
        *ld = (int)(s0 / isz);
        return 'R';
    }
    if (s0 == isz && s1 % isz == 0 && s1 / isz >= n && s1 / isz <= INT_MAX) {
        *ld = (int)(s1 / isz);
        return 'C';
    }
    return 0;
}

/* ``a`` in place (the inputs are aligned), or copied row-major into the work buffer (sized for
   it when in_place_layout refuses a's strides, which are the same for every matrix of a stack) */
static char *matrix_operand(Problem *p, char *layout, int *ld) {
    *layout = in_place_layout(p->as0, p->as1, p->n, p->isz, ld);
    if (*layout) return p->a;
    copy_matrix(p->work, (npy_intp)p->n * p->isz, p->isz, p->a, p->as0, p->as1, p->n, p->n, p->isz);
    *layout = 'R';
    *ld = p->n > 1 ? p->n : 1;
    return p->work;
}

/* b copied column-major (n x k, leading dimension n) */
static char *rhs_columns(Problem *p) {
    char *cols = p->cols;
    copy_matrix(cols, p->isz, (npy_intp)p->n * p->isz, p->b, p->bs0, p->bs1, p->n, p->k, p->isz);
    return cols;
}

/* the solution, column-major in ``cols``, into the C-ordered output */
static void columns_out(Problem *p, const char *cols) {
    copy_matrix(p->out[0], (npy_intp)p->k * p->isz, p->isz, cols, p->isz, (npy_intp)p->n * p->isz,
                p->n, p->k, p->isz);
}

/* the LU factorisation of a (of a^T, which has the same determinant and solves a^T-systems
   with 'T') in the work matrix; LAPACK's info */
static int factor_lu(Problem *p) {
    int n = p->n, info = 0;
    copy_matrix(p->work, (npy_intp)n * p->isz, p->isz, p->a, p->as0, p->as1, n, n, p->isz);
    lapack_getrf[p->which](&n, &n, p->work, &n, p->ipiv, &info);
    return info;
}

/* Matrices up to this order are solved by the loop below rather than by getrf + getrs: for a
   4 x 4 system the two LAPACK calls cost more than the arithmetic (a stack of 10,000 small
   systems is the common case: one per observation or per time step). */
#define SMALL_ORDER 8

/* Gaussian elimination with partial pivoting, as LAPACK's getf2 orders it (the pivot is the
   first entry of largest magnitude in its column, rows scaled by its reciprocal), of the
   row-major n x n matrix m, solving the row-major n x k right-hand sides x in place; 1 on a
   zero pivot (a singular matrix: the op's NaNs) */
#define DEFINE_SMALL_SOLVE(T, NAME, ABS)                                                      \
    static int NAME(T *m, int n, T *x, int k) {                                                \
        for (int c = 0; c < n; c++) {                                                          \
            int piv = c;                                                                       \
            T best = ABS(m[c * n + c]);                                                        \
            for (int r = c + 1; r < n; r++)                                                    \
                if (ABS(m[r * n + c]) > best) {                                                \
                    best = ABS(m[r * n + c]);                                                  \
                    piv = r;                                                                   \
                }                                                                              \
            if (best == 0) return 1;                                                           \
            if (piv != c) {                                                                    \
                for (int j = 0; j < n; j++) {                                                  \
                    T t = m[c * n + j]; m[c * n + j] = m[piv * n + j]; m[piv * n + j] = t;      \
                }                                                                              \
                for (int j = 0; j < k; j++) {                                                  \
                    T t = x[c * k + j]; x[c * k + j] = x[piv * k + j]; x[piv * k + j] = t;      \
                }                                                                              \
            }                                                                                  \
            const T inv = (T)1 / m[c * n + c];                                                 \
            for (int r = c + 1; r < n; r++) {                                                  \
                const T l = m[r * n + c] * inv;                                                \
                m[r * n + c] = l;                                                              \
                for (int j = c + 1; j < n; j++) m[r * n + j] -= l * m[c * n + j];              \
                for (int j = 0; j < k; j++) x[r * k + j] -= l * x[c * k + j];                  \
            }                                                                                  \
        }                                                                                      \
        for (int r = n - 1; r >= 0; r--)                                                       \
            for (int j = 0; j < k; j++) {                                                      \
                T acc = x[r * k + j];                                                          \
                for (int q = r + 1; q < n; q++) acc -= m[r * n + q] * x[q * k + j];            \
                x[r * k + j] = acc / m[r * n + r];                                             \
            }                                                                                  \
        return 0;                                                                              \
    }
DEFINE_SMALL_SOLVE(double, small_solve_d, fabs)
DEFINE_SMALL_SOLVE(float, small_solve_f, fabsf)

/* the row-major triangle of a Cholesky factor written as zeros: the other one */
static void clear_triangle(char *m, int n, int isz, int keep_lower) {
    for (int i = 0; i < n; i++) {
        if (keep_lower) memset(m + ((size_t)i * n + i + 1) * isz, 0, (size_t)(n - i - 1) * isz);
        else memset(m + (size_t)i * n * isz, 0, (size_t)i * isz);
    }
}

/* one matrix; 0 on success, 1 when the routine failed (the step falls back to NumPy) */
static int solve_one(Problem *p) {
    int n = p->n, k = p->k, info = 0, ld;
    char layout;
    const int isz = p->isz;
    switch (p->routine) {
    case LA_CHOLESKY: {
        /* the C-ordered copy is a^T to LAPACK: a's lower triangle is its upper one */
        char uplo = p->lower ? 'U' : 'L';
        copy_matrix(p->out[0], (npy_intp)n * isz, isz, p->a, p->as0, p->as1, n, n, isz);
        lapack_potrf[p->which](&uplo, &n, p->out[0], &n, &info);
        if (info != 0) return 1;
        clear_triangle(p->out[0], n, isz, p->lower);
        return 0;
    }
    case LA_SOLVE_TRIANGULAR: {
        if (!p->unit_diagonal)   /* SciPy's error for a zero pivot; the op's NaNs */
            for (int i = 0; i < n; i++)
                if (element(p->a + i * p->as0 + i * p->as1, isz) == 0.0) return 1;
        copy_matrix(p->out[0], (npy_intp)k * isz, isz, p->b, p->bs0, p->bs1, n, k, isz);
        char *a = matrix_operand(p, &layout, &ld);
        /* row-major a is a^T to BLAS (its lower triangle the upper one), column-major a is a */
        char uplo = (layout == 'R') == (p->lower != 0) ? 'U' : 'L', diag = p->unit_diagonal ? 'U' : 'N';
        if (p->b_ndim == 1) {   /* a x = b in place: a^T's transpose, or a itself */
            char trans = layout == 'R' ? 'T' : 'N';
            int one_step = 1;
            blas_trsv[p->which](&uplo, &trans, &diag, &n, a, &ld, p->out[0], &one_step);
            return 0;
        }
        /* x's C-ordered memory is x^T (k x n) to BLAS: solve x^T a^T = b^T from the right */
        char side = 'R', transa = layout == 'R' ? 'N' : 'T';
        double one = 1.0;
        float one_f = 1.0f;
        int ldb = k > 1 ? k : 1;
        blas_trsm[p->which](&side, &uplo, &transa, &diag, &k, &n, p->which ? (void *)&one : (void *)&one_f,
                            a, &ld, p->out[0], &ldb);
        return 0;
    }
    case LA_SOLVE_GENERAL: {
        if (n <= SMALL_ORDER) {   /* a (row-major) and x (in the output) solved in place */
            copy_matrix(p->work, (npy_intp)n * isz, isz, p->a, p->as0, p->as1, n, n, isz);
            copy_matrix(p->out[0], (npy_intp)k * isz, isz, p->b, p->bs0, p->bs1, n, k, isz);
            return p->which ? small_solve_d((double *)p->work, n, (double *)p->out[0], k)
                            : small_solve_f((float *)p->work, n, (float *)p->out[0], k);
        }
        /* getrf of a^T, then getrs with 'T' solves (a^T)^T x = b */
        if (factor_lu(p) != 0) return 1;
        char *cols = rhs_columns(p), trans = 'T';
        lapack_getrs[p->which](&trans, &n, &k, p->work, &n, p->ipiv, cols, &n, &info);
        if (info != 0) return 1;
        columns_out(p, cols);
        return 0;
    }
    case LA_SOLVE_POSITIVE: {
        char uplo = p->lower ? 'U' : 'L';   /* a's triangle, seen in a^T */
        copy_matrix(p->work, (npy_intp)n * isz, isz, p->a, p->as0, p->as1, n, n, isz);
        lapack_potrf[p->which](&uplo, &n, p->work, &n, &info);
        if (info != 0) return 1;
        char *cols = rhs_columns(p);
        lapack_potrs[p->which](&uplo, &n, &k, p->work, &n, cols, &n, &info);
        if (info != 0) return 1;
        columns_out(p, cols);
        return 0;
    }
    case LA_CHO_SOLVE: {
        /* c c^T (lower) or c^T c: a row-major lower c is an upper factor to LAPACK */
        char *cols = rhs_columns(p);
        char *c = matrix_operand(p, &layout, &ld);
        char uplo = (layout == 'R') == (p->lower != 0) ? 'U' : 'L';
        lapack_potrs[p->which](&uplo, &n, &k, c, &ld, cols, &n, &info);
        if (info != 0) return 1;
        columns_out(p, cols);
        return 0;
    }
    case LA_CHO_INVERSE: {
        /* potri on the factor as LAPACK sees the C-ordered copy (c^T: a lower c is upper
           there), then the triangle it fills mirrored onto the other */
        char uplo = p->lower ? 'U' : 'L';
        copy_matrix(p->out[0], (npy_intp)n * isz, isz, p->a, p->as0, p->as1, n, n, isz);
        lapack_potri[p->which](&uplo, &n, p->out[0], &n, &info);
        if (info != 0) return 1;
        char *m = p->out[0];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++) {   /* row-major: the lower c's inverse is in the lower triangle */
                char *lower_entry = m + ((size_t)i * n + j) * isz, *upper_entry = m + ((size_t)j * n + i) * isz;
                if (p->lower) memcpy(upper_entry, lower_entry, isz);
                else memcpy(lower_entry, upper_entry, isz);
            }
        return 0;
    }
    case LA_DET:
    case LA_SLOGDET: {
        /* NumPy's way: the sign and the log of |det| from the LU factors' diagonal, and
           det = sign * exp(logdet), which overflows only where det itself does */
        factor_lu(p);   /* info > 0: an exact zero pivot, det 0 */
        double sign = 1.0, logdet = 0.0;
        for (int i = 0; i < n; i++) {
            double u = element(p->work + ((size_t)i * n + i) * isz, isz);
            if (p->ipiv[i] != i + 1) sign = -sign;
            if (u < 0) {
                sign = -sign;
                u = -u;
            }
            if (u == 0.0) {
                sign = 0.0;
                logdet = -INFINITY;
                break;
            }
            logdet += log(u);
        }
        if (p->routine == LA_DET) {
            set_element(p->out[0], isz, sign == 0.0 ? 0.0 : sign * exp(logdet));
        } else {
            set_element(p->out[0], isz, sign);
            set_element(p->out[1], isz, logdet);
        }
        return 0;
    }
    }
    return 1;
}

/* x = a^-1 x in place for one small triangular float64 a and one contiguous vector x, in the
   order of operations of the trsv call it replaces (its unblocked loop, for these orders):
   a with contiguous rows ('T' to BLAS): entry i is (b_i - dot) / a_ii, the dot product of a's
   row with the solved entries summed from zero in increasing column order; contiguous
   columns ('N'): b_i less each solved entry times a_ij in turn, in solving order (the axpy
   updates), then divided by a_ii.  A true division each, as trsv's. */
static void small_trsv(const char *a, npy_intp s0, npy_intp s1, int n, int lower, int unit,
                       int by_rows, double *x, int count) {
    /* ``count`` vectors (x's rows, n apart) solved side by side: their dependency chains
       (each entry waits for the previous ones and a division) overlap; each vector's own
       operations are unchanged */
    for (int r = 0; r < n; r++) {
        const int i = lower ? r : n - 1 - r;
        const char *row = a + i * s0;
        const double diag = *(const double *)(row + i * s1);
        for (int v = 0; v < count; v++) {
            double *xv = x + (size_t)v * n;
            double value = xv[i];
            if (by_rows) {
                double dot = 0;
                const int from = lower ? 0 : i + 1, to = lower ? i : n;
                for (int j = from; j < to; j++) dot += *(const double *)(row + j * s1) * xv[j];
                if (to > from) value -= dot;
            } else {
                for (int q = 0; q < r; q++) {
                    const int j = lower ? q : n - 1 - q;
                    value -= xv[j] * *(const double *)(row + j * s1);
                }
            }
            xv[i] = unit ? value : value / diag;
        }
    }
}

/* Triangular systems up to this order are solved vector by vector by the loop above: a trsv
   call's fixed cost is several times a small system's arithmetic. */
#define SMALL_TRIANGULAR 8
#define TRSV_BLOCK 16   /* vectors solved side by side */

/* A stack of vectors against one triangular matrix (a's batch axes all broadcast, b_ndim 1,
   order up to SMALL_TRIANGULAR): the zero-diagonal check once, then each vector copied into
   the C-ordered output and solved there.  0 on success, 1 on a zero diagonal entry (the op's
   NaNs). */
static int solve_triangular_stack(Problem *p, npy_intp total, int batch_nd, const npy_intp *batch,
                                  const npy_intp *b_strides, char *b_data, char *out) {
    const int n = p->n, isz = p->isz;
    if (!p->unit_diagonal)
        for (int i = 0; i < n; i++)
            if (element(p->a + i * p->as0 + i * p->as1, isz) == 0.0) return 1;
    int ld_unused;   /* the layout the trsv call would have read a in: rows unless columns */
    const int by_rows = in_place_layout(p->as0, p->as1, n, isz, &ld_unused) != 'C';
    npy_intp index[NPY_MAXDIMS];
    memset(index, 0, sizeof(index));
    npy_intp done = 0;   /* vectors copied; solved in blocks of TRSV_BLOCK */
    for (npy_intp t = 0; t < total; t++) {   /* b's vectors, in the batch's C order */
        char *pb = b_data;
        for (int d = 0; d < batch_nd; d++) pb += index[d] * b_strides[d];
        double *x = (double *)(out + t * n * isz);
        for (int j = 0; j < n; j++) memcpy(x + j, pb + j * p->bs0, sizeof(double));   /* aligned input */
        if (t + 1 - done == TRSV_BLOCK || t + 1 == total) {
            small_trsv(p->a, p->as0, p->as1, n, p->lower, p->unit_diagonal, by_rows,
                       (double *)(out + done * n * isz), (int)(t + 1 - done));
            done = t + 1;
        }
        for (int d = batch_nd - 1; d >= 0; d--) {
            if (++index[d] < batch[d]) break;
            index[d] = 0;
        }
    }
    return 0;
}

/* the rank of each input's core, and the core shape of each output, for a routine */
static int core_rank(int input, int b_ndim) {
    return input == 0 ? 2 : b_ndim;
}

static int lapack_outputs(int routine) { return routine == LA_SLOGDET ? 2 : 1; }

/* ins: inputs converted to the step's dtype (aligned, native order) */
static int step_lapack(Step *st, PyObject **slots, Pool *pool) {
    const npy_intp *ip = st->iparams;
    if (st->n_iparams < 5) {   /* routine, lower, unit_diagonal, b_ndim, batch rank */
        PyErr_SetString(PyExc_ValueError, "LAPACK step: malformed parameters");
        return -1;
    }
    const int routine = (int)ip[0], lower = (int)ip[1], unit = (int)ip[2], b_ndim = (int)ip[3];
    const int batch_nd = (int)ip[4];
    PyArray_Descr *descr = st->out_descr[0];
    const int which = PyDataType_ELSIZE(descr) == 8 ? 1 : 0;
    if (routine < 0 || routine >= LA_COUNT || lapack_getrf[which] == NULL || batch_nd < 0
            || batch_nd > NPY_MAXDIMS - 2 || st->n_out != lapack_outputs(routine))
        return step_python(st, slots);
    const int n_in = st->n_in;
    if (n_in < 1 || n_in > 2) return step_python(st, slots);
    PyArrayObject *ins[2] = {NULL, NULL};
    for (int k = 0; k < n_in; k++) {
        PyObject *o = slots[st->in[k]];
        if (!PyArray_Check(o)) goto fallback;
        PyArray_Descr *d = PyArray_DESCR((PyArrayObject *)o);
        if (d->kind != 'f' && d->kind != 'i' && d->kind != 'u' && d->kind != 'b') goto fallback;
        if (PyArray_NDIM((PyArrayObject *)o) != batch_nd + core_rank(k, b_ndim)) goto fallback;
        Py_INCREF(descr);
        ins[k] = (PyArrayObject *)PyArray_FromAny(o, descr, 0, 0, NPY_ARRAY_ALIGNED | NPY_ARRAY_NOTSWAPPED,
                                                  NULL);
        if (ins[k] == NULL) goto error;
    }
    /* the core lengths, and the broadcast batch shape */
    PyArrayObject *a = ins[0], *b = ins[1];
    const npy_intp n = PyArray_DIM(a, batch_nd + 1);
    if (PyArray_DIM(a, batch_nd) != n || n == 0 || !fits_int(n) || !fits_int(n * n)) goto fallback;
    npy_intp k = 1;
    if (b != NULL) {
        if (PyArray_DIM(b, batch_nd) != n) goto fallback;
        if (b_ndim == 2) k = PyArray_DIM(b, batch_nd + 1);
        if (k == 0 || !fits_int(k) || !fits_int(n * k)) goto fallback;
    }
    /* batch axes broadcast where they may (static length 1, flagged after the five routine
       parameters, input by input); any other mismatch: the op's NumPy code raises its error */
    if (st->n_iparams != 5 + (npy_intp)n_in * batch_nd) goto fallback;
    npy_intp batch[NPY_MAXDIMS], total = 1;
    for (int d = 0; d < batch_nd; d++) {
        npy_intp len = 1;
        for (int j = 0; j < n_in; j++) {
            npy_intp lj = PyArray_DIM(ins[j], d);
            if (lj == 1 && ip[5 + j * batch_nd + d]) continue;
            if (len != 1 && len != lj) goto fallback;
            len = lj;
        }
        for (int j = 0; j < n_in; j++)
            if (PyArray_DIM(ins[j], d) != len && !ip[5 + j * batch_nd + d]) goto fallback;
        batch[d] = len;
        total *= len;
    }
    /* the outputs, C-ordered */
    PyArrayObject *outs[2] = {NULL, NULL};
    npy_intp shape[NPY_MAXDIMS];
    memcpy(shape, batch, sizeof(npy_intp) * batch_nd);
    int out_nd = batch_nd;
    if (routine == LA_CHOLESKY || routine == LA_CHO_INVERSE) {
        shape[out_nd++] = n;
        shape[out_nd++] = n;
    } else if (routine != LA_DET && routine != LA_SLOGDET) {
        shape[out_nd++] = n;
        if (b_ndim == 2) shape[out_nd++] = k;
    }
    for (int j = 0; j < st->n_out; j++) {
        outs[j] = new_array(pool, descr, out_nd, shape);
        if (outs[j] == NULL) {
            Py_XDECREF(outs[0]);
            goto error;
        }
    }
    const int isz = (int)PyDataType_ELSIZE(descr);
    /* Only the buffers a routine needs, no larger: a big buffer freed at each call would make
       the allocator hand memory back to the system and fault it in again at the next call
       (glibc trims its heap past twice the largest block it served: the output's and a
       needless copy's together pass that).  Cholesky factors in its output; a triangular
       matrix or a Cholesky factor is read in place when its rows or columns are contiguous. */
    int ld_unused;
    const int a_in_place = in_place_layout(PyArray_STRIDE(a, batch_nd), PyArray_STRIDE(a, batch_nd + 1),
                                           (int)n, isz, &ld_unused) != 0;
    /* Cholesky and potri work in their output */
    const int needs_copy = routine == LA_SOLVE_GENERAL || routine == LA_SOLVE_POSITIVE || routine == LA_DET
        || routine == LA_SLOGDET || ((routine == LA_SOLVE_TRIANGULAR || routine == LA_CHO_SOLVE) && !a_in_place);
    const int needs_columns = routine == LA_SOLVE_GENERAL || routine == LA_SOLVE_POSITIVE || routine == LA_CHO_SOLVE;
    const size_t a_bytes = needs_copy ? (size_t)n * n * isz : 0, b_bytes = needs_columns ? (size_t)n * k * isz : 0;
    char *work = PyMem_RawMalloc(a_bytes + b_bytes + 1);
    int *ipiv = PyMem_RawMalloc(sizeof(int) * (size_t)n);
    int failed = work == NULL || ipiv == NULL;
    if (!failed && total > 0) {
        Problem p = {routine, which, isz, lower, unit, b_ndim, (int)n, (int)k, NULL, NULL,
                     PyArray_STRIDE(a, batch_nd), PyArray_STRIDE(a, batch_nd + 1),
                     b ? PyArray_STRIDE(b, batch_nd) : 0,
                     b && b_ndim == 2 ? PyArray_STRIDE(b, batch_nd + 1) : 0,
                     {NULL, NULL}, work, work + a_bytes, ipiv};
        /* per input, the byte stride of each batch axis (0 where it is broadcast) */
        npy_intp strides[2][NPY_MAXDIMS], index[NPY_MAXDIMS];
        for (int j = 0; j < n_in; j++)
            for (int d = 0; d < batch_nd; d++)
                strides[j][d] = PyArray_DIM(ins[j], d) == 1 ? 0 : PyArray_STRIDE(ins[j], d);
        npy_intp out_core[2];
        for (int j = 0; j < st->n_out; j++)
            out_core[j] = (PyArray_NDIM(outs[j]) > batch_nd ? PyArray_SIZE(outs[j]) / total : 1) * isz;
        memset(index, 0, sizeof(index));
        int a_broadcast = routine == LA_SOLVE_TRIANGULAR && b_ndim == 1 && total > 1 && n <= SMALL_TRIANGULAR
            && which == 1;
        for (int d = 0; d < batch_nd; d++) a_broadcast = a_broadcast && strides[0][d] == 0;
        Py_BEGIN_ALLOW_THREADS
        if (a_broadcast) {
            p.a = PyArray_BYTES(a);
            failed = solve_triangular_stack(&p, total, batch_nd, batch, strides[1], PyArray_BYTES(b),
                                            PyArray_BYTES(outs[0]));
        }
        for (npy_intp t = 0; t < total && !failed && !a_broadcast; t++) {
            char *pa = PyArray_BYTES(a), *pb = b ? PyArray_BYTES(b) : NULL;
            for (int d = 0; d < batch_nd; d++) {
                pa += index[d] * strides[0][d];
                if (pb) pb += index[d] * strides[1][d];
            }
            p.a = pa;
            p.b = pb;
            for (int j = 0; j < 2; j++) p.out[j] = outs[j] ? PyArray_BYTES(outs[j]) + t * out_core[j] : NULL;
            failed = solve_one(&p);
            for (int d = batch_nd - 1; d >= 0; d--) {   /* the next batch index, C order */
                if (++index[d] < batch[d]) break;
                index[d] = 0;
            }
        }
        Py_END_ALLOW_THREADS
    }
    PyMem_RawFree(work);
    PyMem_RawFree(ipiv);
    Py_XDECREF(ins[0]);
    Py_XDECREF(ins[1]);
    if (failed) {
        Py_XDECREF(outs[0]);
        Py_XDECREF(outs[1]);
        if (work == NULL || ipiv == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        return step_python(st, slots);
    }
    for (int j = 0; j < st->n_out; j++) Py_XSETREF(slots[st->out[j]], (PyObject *)outs[j]);
    return 0;

fallback:
    Py_XDECREF(ins[0]);
    Py_XDECREF(ins[1]);
    return step_python(st, slots);
error:
    Py_XDECREF(ins[0]);
    Py_XDECREF(ins[1]);
    return -1;
}
