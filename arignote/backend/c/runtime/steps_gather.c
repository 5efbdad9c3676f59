/* Reads and writes through integer vectors side by side among full slices: x[i], x[:, i, j]
   (AdvancedSubtensor) and their scatter-add or scatter-set (AdvancedIncSubtensor), as in
   ``a[group]`` and its derivative.  Like the steps of steps_structural.c, whose helpers they
   use, they hand every case C does not handle, and every error (an index out of range),
   to the op's NumPy implementation. */

/* index j's entry i, resolved against ``length`` (negative ones count from the end), times
   ``stride``, added to (j > 0) or stored in (j == 0) offsets[i]; 0 when one is out of range */
#define AG_RESOLVE(type)                                                                   \
    for (npy_intp i = 0; i < n; i++) {                                                     \
        npy_intp r = (npy_intp)*(const type *)(data + i * istride);                        \
        r += r < 0 ? length : 0;                                                           \
        bad |= (npy_uintp)r >= (npy_uintp)length;                                          \
        offsets[i] = (j ? offsets[i] : 0) + r * stride;                                    \
    }

/* The elements an integer-vector key selects, as byte offsets into an array of lengths
   ``shape`` and ``strides``: k index vectors (inputs first..first+k-1 of the step, each of
   length n) on axes p..p+k-1; offsets[i] = sum over j of (index j's entry i) * strides[p + j].
   0 (no error set) when the fallback should run: an index out of range, vectors of other
   lengths or dtypes. */
static int resolve_offsets(Step *st, PyObject **slots, int first, int p, int k, const npy_intp *shape,
                           const npy_intp *strides, npy_intp n, npy_intp *offsets) {
    for (int j = 0; j < k; j++) {
        PyArrayObject *idx = index_vector(slots[st->in[first + j]]);
        if (idx == NULL || PyArray_DIM(idx, 0) != n) return 0;
        const npy_intp istride = PyArray_STRIDE(idx, 0), length = shape[p + j], stride = strides[p + j];
        const char *data = PyArray_DATA(idx);
        npy_uintp bad = 0;
        switch (PyArray_TYPE(idx)) {
        case NPY_INT64: AG_RESOLVE(int64_t) break;
        case NPY_INT32: AG_RESOLVE(int32_t) break;
        default: {
            const int size = (int)PyArray_ITEMSIZE(idx), is_signed = PyArray_DESCR(idx)->kind == 'i';
            for (npy_intp i = 0; i < n; i++) {
                npy_intp r = index_at(data, istride, i, size, is_signed);
                r += r < 0 ? length : 0;
                bad |= (npy_uintp)r >= (npy_uintp)length;
                offsets[i] = (j ? offsets[i] : 0) + r * stride;
            }
        }
        }
        if (bad) return 0;
    }
    return 1;
}

/* the byte strides of a C-ordered array of ``nd`` axes of lengths ``shape`` */
static void c_strides(int nd, const npy_intp *shape, npy_intp elsize, npy_intp *strides) {
    npy_intp step = elsize;
    for (int d = nd - 1; d >= 0; d--) {
        strides[d] = step;
        step *= shape[d] > 0 ? shape[d] : 1;
    }
}

/* the lengths (or strides) of axes [0, p) and [p + skip, nd) in a row */
static int without_axes(const npy_intp *all, int nd, int p, int skip, npy_intp *kept) {
    int m = 0;
    for (int d = 0; d < nd; d++)
        if (d < p || d >= p + skip) kept[m++] = all[d];
    return m;
}

/* offsets of up to this many selections live on the stack */
#define AG_STACK_INDICES 512

/* AdvancedSubtensor with k integer vectors on axes p..p+k-1 (full slices around them):
   x[:, ..., i1, ..., ik, ...], a new array.  iparams: p, k; inputs: x, then the k vectors. */
static int step_take(Step *st, PyObject **slots, Pool *pool) {
    const int p = (int)st->iparams[0], k = (int)st->iparams[1];
    PyArrayObject *x = plain_array(slots[st->in[0]], NULL);
    PyObject *first = slots[st->in[1]];
    if (x == NULL || PyArray_NDIM(x) < p + k || !PyArray_Check(first) || PyArray_NDIM((PyArrayObject *)first) != 1)
        return fallback(st, slots);
    const int nd = PyArray_NDIM(x);
    const npy_intp n = PyArray_DIM((PyArrayObject *)first, 0);
    npy_intp stack[AG_STACK_INDICES];
    npy_intp *offsets = n <= AG_STACK_INDICES ? stack : PyMem_Malloc(sizeof(npy_intp) * (size_t)n);
    if (offsets == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int status = -1;
    if (!resolve_offsets(st, slots, 1, p, k, PyArray_DIMS(x), PyArray_STRIDES(x), n, offsets)) {
        status = fallback(st, slots);
        goto done;
    }
    /* the result: x's axes before p, the n selections, x's axes after the vectors */
    npy_intp shape[NPY_MAXDIMS], rest[NPY_MAXDIMS], xstrides[NPY_MAXDIMS], ostrides[NPY_MAXDIMS];
    const int out_nd = nd - k + 1;
    for (int d = 0; d < p; d++) shape[d] = PyArray_DIM(x, d);
    shape[p] = n;
    for (int d = p + k; d < nd; d++) shape[d - k + 1] = PyArray_DIM(x, d);
    PyArrayObject *out = new_array(pool, PyArray_DESCR(x), out_nd, shape);
    if (out == NULL) goto done;
    const npy_intp elsize = PyArray_ITEMSIZE(x), os = PyArray_STRIDE(out, p);
    char *src = PyArray_DATA(x), *dst = PyArray_DATA(out);
    if (out_nd == 1 && elsize == 8) {
        for (npy_intp i = 0; i < n; i++) ((uint64_t *)dst)[i] = *(const uint64_t *)(src + offsets[i]);
    } else {
        int m = without_axes(shape, out_nd, p, 1, rest);
        without_axes(PyArray_STRIDES(x), nd, p, k, xstrides);
        without_axes(PyArray_STRIDES(out), out_nd, p, 1, ostrides);
        for (npy_intp i = 0; i < n; i++)
            region_op(ROW_COPY, m, rest, dst + i * os, ostrides, src + offsets[i], xstrides, elsize);
    }
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    status = 0;
done:
    if (offsets != stack) PyMem_Free(offsets);
    return status;
}

/* AdvancedIncSubtensor with k integer vectors on axes p..p+k-1: a copy of x with y added at
   (np.add.at: repeated indices accumulate, in order) or written to (the last one wins) the
   selected elements.  iparams: set (1) or inc (0), p, k; inputs: x, y, then the k vectors. */
static int step_take_inc(Step *st, PyObject **slots, Pool *pool) {
    const int set = (int)st->iparams[0], p = (int)st->iparams[1], k = (int)st->iparams[2];
    PyArrayObject *x = plain_array(slots[st->in[0]], NULL);
    PyObject *first = slots[st->in[2]];
    if (x == NULL || PyArray_NDIM(x) < p + k || !PyArray_Check(first) || PyArray_NDIM((PyArrayObject *)first) != 1)
        return fallback(st, slots);
    PyArrayObject *y = plain_array(slots[st->in[1]], PyArray_DESCR(x));
    int op = set ? ROW_COPY : add_kind(PyArray_DESCR(x));
    if (y == NULL || op < 0 || PyArray_TYPE(x) == NPY_BOOL) return fallback(st, slots);
    const int nd = PyArray_NDIM(x), target_nd = nd - k + 1;
    const npy_intp n = PyArray_DIM((PyArrayObject *)first, 0);
    /* y is read as broadcast to the selection's shape: x's axes before p, n, the axes after */
    npy_intp shape[NPY_MAXDIMS], ystrides[NPY_MAXDIMS], rest[NPY_MAXDIMS], ykept[NPY_MAXDIMS];
    npy_intp ostrides[NPY_MAXDIMS];
    for (int d = 0; d < p; d++) shape[d] = PyArray_DIM(x, d);
    shape[p] = n;
    for (int d = p + k; d < nd; d++) shape[d - k + 1] = PyArray_DIM(x, d);
    if (!broadcast_value(y, target_nd, shape, ystrides)) return fallback(st, slots);
    npy_intp stack[AG_STACK_INDICES];
    npy_intp *offsets = n <= AG_STACK_INDICES ? stack : PyMem_Malloc(sizeof(npy_intp) * (size_t)n);
    if (offsets == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    /* offsets into the copy written to: C-ordered (a new array, or x's donated buffer) */
    npy_intp cstrides[NPY_MAXDIMS];
    c_strides(nd, PyArray_DIMS(x), PyArray_ITEMSIZE(x), cstrides);
    int status = -1;
    if (!resolve_offsets(st, slots, 2, p, k, PyArray_DIMS(x), cstrides, n, offsets)) {
        status = fallback(st, slots);
        goto done;
    }
    PyArrayObject *out = writable_copy(st, slots, x, pool);
    if (out == NULL) goto done;
    for (int d = 0; d < nd; d++)
        if (PyArray_DIM(out, d) > 1 && PyArray_STRIDE(out, d) != cstrides[d]) {
            /* not as C orders it (NumPy may stride an empty array otherwise): offsets again,
               for indices already checked */
            resolve_offsets(st, slots, 2, p, k, PyArray_DIMS(x), PyArray_STRIDES(out), n, offsets);
            break;
        }
    const npy_intp elsize = PyArray_ITEMSIZE(x), ys = ystrides[p];
    char *dst = PyArray_DATA(out);
    const char *src = PyArray_DATA(y);
    if (target_nd == 1 && op == ROW_ADD_F64) {
        for (npy_intp i = 0; i < n; i++) *(double *)(dst + offsets[i]) += *(const double *)(src + i * ys);
    } else {
        int m = without_axes(shape, target_nd, p, 1, rest);
        without_axes(ystrides, target_nd, p, 1, ykept);
        without_axes(PyArray_STRIDES(out), nd, p, k, ostrides);
        for (npy_intp i = 0; i < n; i++)
            region_op(op, m, rest, dst + offsets[i], ostrides, src + i * ys, ykept, elsize);
    }
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    status = 0;
done:
    if (offsets != stack) PyMem_Free(offsets);
    return status;
}
