/* Iteration spaces, buffers and argument checks shared by the steps. */

/* Run the loop over indices [begin, end) of the first axis (elements when the
   space is 1-d, else blocks of rows); the innermost axis is one loop call.
   The operands' pointers advance by strides from row to row, so a row costs a
   call and a few additions whatever the rank. */
static int iter_range(const Iter *it, npy_intp begin, npy_intp end) {
    const int nops = it->nops, nd = it->nd;
    char *ptrs[nops];
    npy_intp steps[nops];
    for (int k = 0; k < nops; k++) {
        steps[k] = IT_STRIDE(it, k, nd - 1);
        ptrs[k] = it->base[k] + begin * IT_STRIDE(it, k, 0);
    }
    if (nd == 1) return begin < end ? it->loop(it->fold_rows ? begin - end : end - begin, ptrs, steps) : 0;
    const npy_intp inner = it->fold_rows ? -it->shape[nd - 1] : it->shape[nd - 1];
    if (nd == 2) {
        npy_intp s0[nops];
        for (int k = 0; k < nops; k++) s0[k] = IT_STRIDE(it, k, 0);
        for (npy_intp i = begin; i < end; i++) {
            int rc = it->loop(inner, ptrs, steps);
            if (rc) return rc;
            for (int k = 0; k < nops; k++) ptrs[k] += s0[k];
        }
        return 0;
    }
    npy_intp idx[NPY_MAXDIMS];
    for (int d = 1; d < nd - 1; d++) idx[d] = 0;
    idx[0] = begin;
    while (idx[0] < end) {
        int rc = it->loop(inner, ptrs, steps);
        if (rc) return rc;
        /* next row: advance the last outer axis, carrying into the ones before it */
        int d = nd - 2;
        for (;;) {
            for (int k = 0; k < nops; k++) ptrs[k] += IT_STRIDE(it, k, d);
            if (++idx[d] < it->shape[d] || d == 0) break;
            for (int k = 0; k < nops; k++) ptrs[k] -= it->shape[d] * IT_STRIDE(it, k, d);
            idx[d] = 0;
            d--;
        }
    }
    return 0;
}

/* Drop length-1 axes and merge neighbouring axes that every operand walks
   contiguously (stride[d] == stride[d+1] * shape[d+1]), so that contiguous
   arrays become one long inner loop.  Leaves at least one axis. */
static void iter_collapse(Iter *it) {
    int nd = 0;
    for (int d = 0; d < it->nd; d++) {
        if (it->shape[d] == 1) continue;
        it->shape[nd] = it->shape[d];
        for (int k = 0; k < it->nops; k++) IT_STRIDE(it, k, nd) = IT_STRIDE(it, k, d);
        nd++;
    }
    if (nd == 0) {
        it->shape[0] = 1;
        for (int k = 0; k < it->nops; k++) IT_STRIDE(it, k, 0) = 0;
        it->nd = 1;
        return;
    }
    int out = 0;
    for (int d = 1; d < nd; d++) {
        int mergeable = 1;
        for (int k = 0; k < it->nops && mergeable; k++)
            mergeable = IT_STRIDE(it, k, out) == IT_STRIDE(it, k, d) * it->shape[d];
        if (mergeable) {
            it->shape[out] *= it->shape[d];
            for (int k = 0; k < it->nops; k++) IT_STRIDE(it, k, out) = IT_STRIDE(it, k, d);
        } else {
            out++;
            it->shape[out] = it->shape[d];
            for (int k = 0; k < it->nops; k++) IT_STRIDE(it, k, out) = IT_STRIDE(it, k, d);
        }
    }
    it->nd = out + 1;
}

/* --- the inner axis ------------------------------------------------------------------ */

/* An iteration space whose innermost axis is short costs a loop call per few
   elements, and a kernel that calls vector math computes a whole block of
   lanes per call.  Any axis can be the inner one (the loop takes one stride per
   operand, 0 for a broadcast one), so a longer axis is moved there.  A moved
   axis walks memory with a larger stride, and each outer index walks it again:
   a long one is cut into tiles of AG_TILE elements, the tiles outermost, so
   that the memory one tile touches stays in cache while every row of the tile
   runs.  Elementwise kernels give the same results in any order (every element
   goes through the same function wherever it lies in a row); a reduction may
   only move an axis its accumulator walks (each accumulator element then still
   folds its values in the same order), and only where the caller knows the
   fold itself does not change (see step_reduce). */
#define AG_SHORT_ROW 16
#define AG_TILE 1024

/* the axis to move innermost (-1: none): the longest that is longer than the
   innermost one (the later one on ties: usually the smaller strides), among the
   axes operand ``acc`` walks (every axis when acc < 0) */
static int iter_pick_inner(const Iter *it, int acc) {
    const int nd = it->nd;
    if (nd < 2 || it->shape[nd - 1] >= AG_SHORT_ROW) return -1;
    int best = -1;
    for (int d = 0; d < nd - 1; d++) {
        if (acc >= 0 && IT_STRIDE(it, acc, d) == 0) continue;
        if (best < 0 || it->shape[d] >= it->shape[best]) best = d;
    }
    return best >= 0 && it->shape[best] > it->shape[nd - 1] ? best : -1;
}

/* axis ``axis`` moved to the innermost position, the others keeping their order */
static void iter_move_inner(Iter *it, int axis) {
    const int nd = it->nd;
    const npy_intp length = it->shape[axis];
    for (int d = axis; d < nd - 1; d++) it->shape[d] = it->shape[d + 1];
    it->shape[nd - 1] = length;
    for (int k = 0; k < it->nops; k++) {
        const npy_intp stride = IT_STRIDE(it, k, axis);
        for (int d = axis; d < nd - 1; d++) IT_STRIDE(it, k, d) = IT_STRIDE(it, k, d + 1);
        IT_STRIDE(it, k, nd - 1) = stride;
    }
}

/* the splittable flag ag_run_iter takes: the first axis may be cut unless ``acc`` (>= 0)
   does not walk it */
static int iter_splittable(const Iter *it, int acc) {
    return acc < 0 || IT_STRIDE(it, acc, 0) != 0;
}

/* Run the collapsed space ``it`` (threads as ag_run_iter): with a long axis innermost
   when the innermost one is short and ``may_reorder``.  ``acc``: a reduction's
   accumulator operand (-1 for elementwise loops).  Tiling needs one spare axis:
   it->ndcap > it->nd. */
static int iter_run(Iter *it, double cost, int acc, int may_reorder, int threads) {
    const int axis = may_reorder ? iter_pick_inner(it, acc) : -1;
    if (axis < 0) return ag_run_iter(it, cost, iter_splittable(it, acc), threads);
    iter_move_inner(it, axis);
    const int nd = it->nd, nops = it->nops;
    const npy_intp length = it->shape[nd - 1];
    if (length <= 2 * AG_TILE || it->ndcap <= nd || nd + 1 > NPY_MAXDIMS)
        return ag_run_iter(it, cost, iter_splittable(it, acc), threads);
    /* the rest after whole tiles: the same space, with a shorter inner axis further on */
    const npy_intp tiles = length / AG_TILE, rest = length - tiles * AG_TILE;
    char *rest_base[nops];
    npy_intp rest_strides[(size_t)nops * nd];
    Iter tail = {.loop = it->loop, .nops = nops, .nd = nd, .ndcap = nd, .base = rest_base,
                 .strides = rest_strides, .fold_rows = it->fold_rows};
    for (int d = 0; d < nd; d++) tail.shape[d] = it->shape[d];
    tail.shape[nd - 1] = rest;
    for (int k = 0; k < nops; k++) {
        rest_base[k] = it->base[k] + tiles * AG_TILE * IT_STRIDE(it, k, nd - 1);
        for (int d = 0; d < nd; d++) IT_STRIDE(&tail, k, d) = IT_STRIDE(it, k, d);
    }
    /* whole tiles: (tiles, outer axes..., AG_TILE) */
    for (int d = nd; d > 0; d--) it->shape[d] = it->shape[d - 1];
    it->shape[0] = tiles;
    it->shape[nd] = AG_TILE;
    for (int k = 0; k < nops; k++) {
        for (int d = nd; d > 0; d--) IT_STRIDE(it, k, d) = IT_STRIDE(it, k, d - 1);
        IT_STRIDE(it, k, 0) = AG_TILE * IT_STRIDE(it, k, nd);
    }
    it->nd = nd + 1;
    int rc = ag_run_iter(it, cost, iter_splittable(it, acc), threads);
    if (rc || rest == 0) return rc;
    return ag_run_iter(&tail, cost, iter_splittable(&tail, acc), threads);
}

/* --- buffers ---------------------------------------------------------------------- */

/* PyArray_EquivTypes, without its cast-safety lookup for the common cases: the same
   descriptor (NumPy shares one per native builtin dtype), or two of one builtin numeric type
   and byte order */
static inline int same_dtype(PyArray_Descr *a, PyArray_Descr *b) {
    if (a == b) return 1;
    if (a->type_num == b->type_num && a->type_num < NPY_OBJECT && a->byteorder == b->byteorder)
        return 1;
    return PyArray_EquivTypes(a, b);
}

static int same_shape(PyArrayObject *a, int nd, const npy_intp *shape) {
    if (PyArray_NDIM(a) != nd) return 0;
    for (int d = 0; d < nd; d++)
        if (PyArray_DIM(a, d) != shape[d]) return 0;
    return 1;
}

/* whether ``a`` may be written over: nobody else holds it or views it */
static int reusable(PyObject *obj) {
    if (Py_REFCNT(obj) != 1 || !PyArray_CheckExact(obj)) return 0;
    PyArrayObject *a = (PyArrayObject *)obj;
    return PyArray_BASE(a) == NULL && PyArray_CHKFLAGS(a, NPY_ARRAY_OWNDATA)
        && PyArray_ISCARRAY(a) && PyArray_ISNOTSWAPPED(a);
}

static PyArrayObject *pool_take(Pool *pool, PyArray_Descr *descr, int nd, const npy_intp *shape) {
    for (int i = 0; i < pool->n; i++) {
        PyArrayObject *a = pool->arrays[i];
        if (same_dtype(PyArray_DESCR(a), descr) && same_shape(a, nd, shape)) {
            pool->arrays[i] = pool->arrays[--pool->n];
            return a;
        }
    }
    return NULL;
}

static void pool_put(Pool *pool, PyObject *obj) {
    if (pool->n == AG_POOL) {
        Py_DECREF(pool->arrays[0]);
        memmove(pool->arrays, pool->arrays + 1, sizeof(PyArrayObject *) * (AG_POOL - 1));
        pool->n--;
    }
    pool->arrays[pool->n++] = (PyArrayObject *)obj;
}

static void pool_clear(Pool *pool) {
    for (int i = 0; i < pool->n; i++) Py_DECREF(pool->arrays[i]);
    pool->n = 0;
}

/* a C-ordered array for an output: a dead buffer of the same dtype and shape, or a new one */
static PyArrayObject *new_array(Pool *pool, PyArray_Descr *descr, int nd, const npy_intp *shape) {
    if (pool != NULL) {
        PyArrayObject *a = pool_take(pool, descr, nd, shape);
        if (a != NULL) return a;
    }
    Py_INCREF(descr);
    return (PyArrayObject *)PyArray_NewFromDescr(&PyArray_Type, descr, nd, (npy_intp *)shape,
                                                 NULL, NULL, 0, NULL);
}

/* --- argument checks ----------------------------------------------------------------- */

/* ``obj`` as an array of dtype ``want`` and rank ``ndim`` that a loop may read (aligned,
   native byte order): a new reference, or NULL with TypeError/ValueError set */
static PyArrayObject *checked_input(PyObject *obj, PyArray_Descr *want, int ndim, int position) {
    if (!PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "input %d is %.100s, not an ndarray", position,
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    PyArrayObject *a = (PyArrayObject *)obj;
    if (ndim >= 0 && PyArray_NDIM(a) != ndim) {
        PyErr_Format(PyExc_ValueError, "input %d has %d dimension(s), expected %d", position,
                     PyArray_NDIM(a), ndim);
        return NULL;
    }
    PyArray_Descr *have = PyArray_DESCR(a);
    if (!same_dtype(have, want)) {
        if (have->kind == want->kind && PyDataType_ELSIZE(have) == PyDataType_ELSIZE(want)) {
            /* same numbers in another byte order: read a converted copy */
            Py_INCREF(want);
            return (PyArrayObject *)PyArray_FromAny(obj, want, 0, 0,
                                                    NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST, NULL);
        }
        PyObject *h = PyObject_Str((PyObject *)have), *w = PyObject_Str((PyObject *)want);
        PyErr_Format(PyExc_TypeError, "input %d has dtype %S, expected %S", position, h, w);
        Py_XDECREF(h);
        Py_XDECREF(w);
        return NULL;
    }
    if (!PyArray_ISALIGNED(a)) {
        return (PyArrayObject *)PyArray_NewCopy(a, NPY_KEEPORDER);
    }
    Py_INCREF(obj);
    return a;
}

static void fmt_shape(char *buf, size_t size, int nd, const npy_intp *shape) {
    size_t used = 0;
    used += snprintf(buf + used, size - used, "(");
    for (int d = 0; d < nd && used < size; d++)
        used += snprintf(buf + used, size - used, d + 1 < nd || nd == 1 ? "%ld," : "%ld",
                         (long)shape[d]);
    if (used < size) snprintf(buf + used, size - used, ")");
}

/* NumPy's broadcasting of ``n`` arrays to rank ``nd``; ValueError as NumPy words it */
static int broadcast_shape(PyArrayObject **arrays, int n, int nd, npy_intp *shape) {
    for (int d = 0; d < nd; d++) shape[d] = 1;
    for (int k = 0; k < n; k++) {
        int offset = nd - PyArray_NDIM(arrays[k]);
        for (int j = 0; j < PyArray_NDIM(arrays[k]); j++) {
            npy_intp len = PyArray_DIM(arrays[k], j);
            int d = offset + j;
            if (len == 1 || len == shape[d]) continue;
            if (shape[d] == 1) {
                shape[d] = len;
                continue;
            }
            char text[1024];
            size_t used = snprintf(text, sizeof(text), "operands could not be broadcast together with shapes");
            for (int i = 0; i < n && used < sizeof(text) - 2; i++) {
                char one[256];
                fmt_shape(one, sizeof(one), PyArray_NDIM(arrays[i]), PyArray_DIMS(arrays[i]));
                used += snprintf(text + used, sizeof(text) - used, " %s", one);
            }
            PyErr_SetString(PyExc_ValueError, text);
            return -1;
        }
    }
    return 0;
}

/* Only statically-1 axes stretch (arignote.tensor.broadcasting): an axis flagged in
   ``fixed`` (the inputs' axes in a row) must already have the broadcast length. */
static int check_no_stretch(PyArrayObject **arrays, int n, int nd, const npy_intp *shape,
                            const unsigned char *fixed) {
    if (fixed == NULL) return 0;
    int flag = 0;
    for (int k = 0; k < n; k++) {
        int offset = nd - PyArray_NDIM(arrays[k]);
        for (int j = 0; j < PyArray_NDIM(arrays[k]); j++, flag++) {
            npy_intp len = PyArray_DIM(arrays[k], j);
            if (!fixed[flag] || len == shape[offset + j]) continue;
            char text[1024];
            size_t used = snprintf(text, sizeof(text), "operands could not be broadcast together with shapes");
            for (int i = 0; i < n && used < sizeof(text) - 2; i++) {
                char one[256];
                fmt_shape(one, sizeof(one), PyArray_NDIM(arrays[i]), PyArray_DIMS(arrays[i]));
                used += snprintf(text + used, sizeof(text) - used, " %s", one);
            }
            PyErr_Format(PyExc_ValueError,
                         "%s: along axis %d, operand %d has length %ld where the others have %ld. "
                         "Runtime broadcasting not allowed: a dimension of unknown static length "
                         "does not broadcast at run time (as in PyTensor): give the operand that should stretch a static length of 1, "
                         "e.g. at.specify_broadcastable(x, axis), shape=(1, None) or x.dimshuffle('x', 0)",
                         text, offset + j, k, (long)len, (long)shape[offset + j]);
            return -1;
        }
    }
    return 0;
}

static int raise_loop_error(int code) {
    if (code == AG_ERR_NEGATIVE_POWER)
        PyErr_SetString(PyExc_ValueError, "Integers to negative integer powers are not allowed.");
    else
        PyErr_Format(PyExc_RuntimeError, "a compiled loop failed with code %d", code);
    return -1;
}

/* the integer held by a 0-d (or size-1) integer array, for shapes and indices */
static int read_int(PyObject *obj, const char *what, npy_intp *value) {
    if (!PyArray_Check(obj) || PyArray_SIZE((PyArrayObject *)obj) != 1
            || !(PyArray_ISINTEGER((PyArrayObject *)obj) || PyArray_ISBOOL((PyArrayObject *)obj))) {
        PyErr_Format(PyExc_TypeError, "%s must be a 0-d integer array", what);
        return -1;
    }
    PyArrayObject *a = (PyArrayObject *)obj;
    const char *p = PyArray_DATA(a);
    if (!PyArray_ISNOTSWAPPED(a) || !PyArray_ISALIGNED(a)) {
        PyObject *item = PyArray_GETITEM(a, p);
        if (item == NULL) return -1;
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(item, &overflow);
        Py_DECREF(item);
        if (v == -1 && PyErr_Occurred()) return -1;
        *value = overflow ? (overflow > 0 ? NPY_MAX_INTP : NPY_MIN_INTP) : (npy_intp)v;
        return 0;
    }
    int unsigned_kind = PyArray_DESCR(a)->kind == 'u' || PyArray_DESCR(a)->kind == 'b';
    switch (PyArray_ITEMSIZE(a)) {
    case 1: *value = unsigned_kind ? (npy_intp)*(const uint8_t *)p : (npy_intp)*(const int8_t *)p; break;
    case 2: *value = unsigned_kind ? (npy_intp)*(const uint16_t *)p : (npy_intp)*(const int16_t *)p; break;
    case 4: *value = unsigned_kind ? (npy_intp)*(const uint32_t *)p : (npy_intp)*(const int32_t *)p; break;
    case 8:
        if (unsigned_kind) {
            uint64_t u = *(const uint64_t *)p;
            *value = u > (uint64_t)NPY_MAX_INTP ? NPY_MAX_INTP : (npy_intp)u;
        } else {
            *value = (npy_intp)*(const int64_t *)p;
        }
        break;
    default:
        PyErr_Format(PyExc_TypeError, "%s has an unsupported integer size", what);
        return -1;
    }
    return 0;
}
