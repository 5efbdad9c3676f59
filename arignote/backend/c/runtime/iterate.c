/* Iteration spaces, buffers and argument checks shared by the steps. */

/* Run the loop over indices [begin, end) of the first axis (elements when the
   space is 1-d, else blocks of rows); the innermost axis is one loop call. */
static int iter_range(const Iter *it, npy_intp begin, npy_intp end) {
    const int nops = it->nops, nd = it->nd;
    char *ptrs[nops];
    npy_intp steps[nops];
    for (int k = 0; k < nops; k++) steps[k] = IT_STRIDE(it, k, nd - 1);
    if (nd == 1) {
        for (int k = 0; k < nops; k++) ptrs[k] = it->base[k] + begin * steps[k];
        return it->loop(end - begin, ptrs, steps);
    }
    npy_intp idx[NPY_MAXDIMS];
    const npy_intp inner = it->shape[nd - 1];
    for (int d = 0; d < nd - 1; d++) idx[d] = 0;
    idx[0] = begin;
    for (;;) {
        if (idx[0] >= end) return 0;
        for (int k = 0; k < nops; k++) {
            char *p = it->base[k];
            for (int d = 0; d < nd - 1; d++) p += idx[d] * IT_STRIDE(it, k, d);
            ptrs[k] = p;
        }
        int rc = it->loop(inner, ptrs, steps);
        if (rc) return rc;
        int d = nd - 2;
        idx[d]++;
        while (d > 0 && idx[d] == it->shape[d]) {
            idx[d] = 0;
            d--;
            idx[d]++;
        }
    }
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
