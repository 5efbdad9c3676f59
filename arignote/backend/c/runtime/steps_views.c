/* Structural steps: views (dimshuffle, reshape, basic indexing), shapes, alloc,
   shape assertions, and the Python fallback. */

static PyObject *make_view(PyArrayObject *a, int nd, npy_intp *dims, npy_intp *strides, char *data) {
    PyArray_Descr *descr = PyArray_DESCR(a);
    Py_INCREF(descr);
    PyObject *view = PyArray_NewFromDescr(&PyArray_Type, descr, nd, dims, strides, data,
                                          PyArray_FLAGS(a) & NPY_ARRAY_WRITEABLE, NULL);
    if (view == NULL) return NULL;
    Py_INCREF(a);
    if (PyArray_SetBaseObject((PyArrayObject *)view, (PyObject *)a) < 0) {
        Py_DECREF(view);
        return NULL;
    }
    return view;
}

static PyArrayObject *array_arg(PyObject *obj, int ndim, int position) {
    if (!PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "input %d is %.100s, not an ndarray", position, Py_TYPE(obj)->tp_name);
        return NULL;
    }
    if (ndim >= 0 && PyArray_NDIM((PyArrayObject *)obj) != ndim) {
        PyErr_Format(PyExc_ValueError, "input %d has %d dimension(s), expected %d", position,
                     PyArray_NDIM((PyArrayObject *)obj), ndim);
        return NULL;
    }
    return (PyArrayObject *)obj;
}

/* iparams: input rank, then the new order (-1 for a new axis) */
static int step_dimshuffle(Step *st, PyObject **slots) {
    const int in_nd = (int)st->iparams[0], out_nd = st->n_iparams - 1;
    PyArrayObject *x = array_arg(slots[st->in[0]], in_nd, 0);
    if (x == NULL) return -1;
    npy_intp dims[NPY_MAXDIMS], strides[NPY_MAXDIMS];
    unsigned char kept[NPY_MAXDIMS] = {0};
    for (int d = 0; d < out_nd; d++) {
        npy_intp src = st->iparams[1 + d];
        if (src < 0) {
            dims[d] = 1;
            strides[d] = 0;
        } else {
            dims[d] = PyArray_DIM(x, src);
            strides[d] = PyArray_STRIDE(x, src);
            kept[src] = 1;
        }
    }
    for (int d = 0; d < in_nd; d++) {
        if (!kept[d] && PyArray_DIM(x, d) != 1) {
            PyErr_Format(PyExc_ValueError, "cannot drop axis %d of length %ld (only length-1 axes "
                         "can be dropped)", d, (long)PyArray_DIM(x, d));
            return -1;
        }
    }
    PyObject *view = make_view(x, out_nd, dims, strides, PyArray_DATA(x));
    if (view == NULL) return -1;
    Py_XSETREF(slots[st->out[0]], view);
    return 0;
}

static int read_int_at(PyArrayObject *a, npy_intp i, const char *what, npy_intp *value) {
    PyObject *item = PyArray_GETITEM(a, PyArray_GETPTR1(a, i));
    if (item == NULL) return -1;
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(item, &overflow);
    Py_DECREF(item);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (overflow) {
        PyErr_Format(PyExc_ValueError, "%s entry %ld is too large", what, (long)i);
        return -1;
    }
    *value = (npy_intp)v;
    return 0;
}

/* the entries of an integer vector of length ``n`` (a shape argument) */
static int read_shape_vector(PyObject *obj, int n, const char *what, npy_intp *out) {
    if (!PyArray_Check(obj) || PyArray_NDIM((PyArrayObject *)obj) != 1
            || !PyArray_ISINTEGER((PyArrayObject *)obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be an integer vector", what);
        return -1;
    }
    PyArrayObject *a = (PyArrayObject *)obj;
    if (PyArray_DIM(a, 0) != n) {
        PyErr_Format(PyExc_ValueError, "%s has %ld entries, expected %d", what, (long)PyArray_DIM(a, 0), n);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (read_int_at(a, i, what, &out[i]) < 0) return -1;
    return 0;
}

/* iparams: the target rank */
static int step_reshape(Step *st, PyObject **slots) {
    const int nd = (int)st->iparams[0];
    PyArrayObject *x = array_arg(slots[st->in[0]], -1, 0);
    if (x == NULL) return -1;
    npy_intp dims[NPY_MAXDIMS];
    if (read_shape_vector(slots[st->in[1]], nd, "the shape", dims) < 0) return -1;
    PyArray_Dims target = {dims, nd};
    PyObject *result = PyArray_Newshape(x, &target, NPY_CORDER);
    if (result == NULL) return -1;
    Py_XSETREF(slots[st->out[0]], result);
    return 0;
}

/* one part of a slice: enc[*pos] is its kind, the next its value */
static int slice_part(Step *st, PyObject **slots, const npy_intp *enc, int *pos, int *next_input,
                      int *given, npy_intp *value) {
    npy_intp kind = enc[(*pos)++], constant = enc[(*pos)++];
    *given = kind != P_NONE;
    if (kind == P_CONST) *value = constant;
    else if (kind == P_SYMBOLIC) return read_int(slots[st->in[(*next_input)++]], "a slice bound", value);
    return 0;
}

/* The part of an array (rank in_nd, lengths ``shape``, ``strides``, memory at ``*data``) that a
   basic key selects: its rank, lengths and strides, ``*data`` moved to its first element.
   ``enc``: number of entries, then the entries (see ag_entry); the key's symbolic parts are
   the step's inputs from ``first_input`` on.  -1 with IndexError/ValueError/TypeError set. */
static int basic_region(Step *st, PyObject **slots, const npy_intp *enc, int first_input, int in_nd,
                        const npy_intp *shape, const npy_intp *in_strides, char **data, int *nd_out,
                        npy_intp *dims, npy_intp *strides) {
    const int n_entries = (int)enc[0];
    int pos = 1, axis = 0, out_nd = 0, next_input = first_input;
    for (int e = 0; e < n_entries; e++) {
        npy_intp kind = enc[pos++];
        if (kind == E_NEWAXIS) {
            dims[out_nd] = 1;
            strides[out_nd++] = 0;
            continue;
        }
        if (axis >= in_nd) {
            PyErr_SetString(PyExc_IndexError, "too many indices for array");
            return -1;
        }
        const npy_intp length = shape[axis], stride = in_strides[axis];
        if (kind == E_INT || kind == E_SYMBOLIC) {
            npy_intp index;
            if (kind == E_INT) index = enc[pos++];
            else if (read_int(slots[st->in[next_input++]], "an index", &index) < 0) return -1;
            npy_intp resolved = index < 0 ? index + length : index;
            if (resolved < 0 || resolved >= length) {
                PyErr_Format(PyExc_IndexError, "index %ld is out of bounds for axis %d with size %ld",
                             (long)index, axis, (long)length);
                return -1;
            }
            *data += resolved * stride;
        } else {  /* E_SLICE */
            npy_intp start = 0, stop = 0, step = 1;
            int has_start, has_stop, has_step;
            if (slice_part(st, slots, enc, &pos, &next_input, &has_start, &start) < 0
                    || slice_part(st, slots, enc, &pos, &next_input, &has_stop, &stop) < 0
                    || slice_part(st, slots, enc, &pos, &next_input, &has_step, &step) < 0)
                return -1;
            if (!has_step) step = 1;
            if (step == 0) {
                PyErr_SetString(PyExc_ValueError, "slice step cannot be zero");
                return -1;
            }
            Py_ssize_t s0 = has_start ? (Py_ssize_t)start : (step < 0 ? PY_SSIZE_T_MAX : 0);
            Py_ssize_t s1 = has_stop ? (Py_ssize_t)stop : (step < 0 ? PY_SSIZE_T_MIN : PY_SSIZE_T_MAX);
            if (step < -PY_SSIZE_T_MAX) step = -PY_SSIZE_T_MAX;  /* as PySlice_Unpack */
            Py_ssize_t count = PySlice_AdjustIndices(length, &s0, &s1, (Py_ssize_t)step);
            *data += s0 * stride;
            dims[out_nd] = count;
            strides[out_nd++] = stride * step;
        }
        axis++;
    }
    for (; axis < in_nd; axis++) {
        dims[out_nd] = shape[axis];
        strides[out_nd++] = in_strides[axis];
    }
    *nd_out = out_nd;
    return 0;
}

/* iparams: input rank, number of entries, then the entries (see ag_entry) */
static int step_subtensor(Step *st, PyObject **slots) {
    const int in_nd = (int)st->iparams[0];
    PyArrayObject *x = array_arg(slots[st->in[0]], in_nd, 0);
    if (x == NULL) return -1;
    npy_intp dims[NPY_MAXDIMS], strides[NPY_MAXDIMS];
    char *data = PyArray_DATA(x);
    int out_nd = 0;
    if (basic_region(st, slots, st->iparams + 1, 1, in_nd, PyArray_DIMS(x), PyArray_STRIDES(x), &data,
                     &out_nd, dims, strides) < 0)
        return -1;
    PyObject *view = make_view(x, out_nd, dims, strides, data);
    if (view == NULL) return -1;
    Py_XSETREF(slots[st->out[0]], view);
    return 0;
}

static int step_shape(Step *st, PyObject **slots) {
    PyArrayObject *x = array_arg(slots[st->in[0]], -1, 0);
    if (x == NULL) return -1;
    npy_intp n = PyArray_NDIM(x);
    PyArrayObject *out = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_INT64);
    if (out == NULL) return -1;
    for (int d = 0; d < n; d++) ((int64_t *)PyArray_DATA(out))[d] = PyArray_DIM(x, d);
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    return 0;
}

static int step_shape_i(Step *st, PyObject **slots) {
    PyArrayObject *x = array_arg(slots[st->in[0]], -1, 0);
    if (x == NULL) return -1;
    if (st->axis >= PyArray_NDIM(x)) {
        PyErr_Format(PyExc_ValueError, "axis %d is out of range for a %d-d input", st->axis, PyArray_NDIM(x));
        return -1;
    }
    PyArrayObject *out = (PyArrayObject *)PyArray_SimpleNew(0, NULL, NPY_INT64);
    if (out == NULL) return -1;
    *(int64_t *)PyArray_DATA(out) = PyArray_DIM(x, st->axis);
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    return 0;
}

/* iparams: the output rank; inputs: the value and the shape vector */
static int step_alloc(Step *st, PyObject **slots, Pool *pool) {
    const int nd = (int)st->iparams[0];
    PyArrayObject *value = array_arg(slots[st->in[0]], -1, 0);
    if (value == NULL) return -1;
    npy_intp dims[NPY_MAXDIMS];
    if (read_shape_vector(slots[st->in[1]], nd, "the shape", dims) < 0) return -1;
    for (int d = 0; d < nd; d++) {
        if (dims[d] < 0) {
            PyErr_SetString(PyExc_ValueError, "negative dimensions are not allowed");
            return -1;
        }
    }
    if (PyArray_NDIM(value) > nd) {
        PyErr_Format(PyExc_ValueError, "cannot fill a %d-d array with a %d-d value", nd, PyArray_NDIM(value));
        return -1;
    }
    /* iparams[2 + i]: whether the value's type declares length 1 on its axis i (only such an
       axis stretches, as for elementwise ops: derivatives sum over the declared ones) */
    const int vnd = PyArray_NDIM(value);
    for (int i = 0; i < vnd && 2 + i < st->n_iparams; i++) {
        npy_intp have = PyArray_DIM(value, i), want = dims[nd - vnd + i];
        if (have == 1 && want != 1 && !st->iparams[2 + i]) {
            PyErr_Format(PyExc_ValueError,
                         "Runtime broadcasting not allowed: axis %d of the value has length 1 at run "
                         "time, to fill length %ld, but its type does not declare a length of 1; "
                         "declare it (shape=(1, ...), specify_broadcastable) to broadcast it",
                         i, (long)want);
            return -1;
        }
    }
    PyArrayObject *out = new_array(pool, st->out_descr[0], nd, dims);
    if (out == NULL) return -1;
    if (PyArray_CopyInto(out, value) < 0) {
        Py_DECREF(out);
        return -1;
    }
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    return 0;
}

/* iparams: rank, expected length per axis (-1: unchecked), then the symbolic axes */
static int step_specify_shape(Step *st, PyObject **slots) {
    const int nd = (int)st->iparams[0];
    PyArrayObject *x = array_arg(slots[st->in[0]], -1, 0);
    if (x == NULL) return -1;
    npy_intp expected[NPY_MAXDIMS];
    for (int d = 0; d < nd; d++) expected[d] = st->iparams[1 + d];
    for (int k = 1 + nd, input = 1; k < st->n_iparams; k++, input++)
        if (read_int(slots[st->in[input]], "a length", &expected[st->iparams[k]]) < 0) return -1;
    int bad = PyArray_NDIM(x) != nd;
    for (int d = 0; d < nd && !bad; d++)
        bad = expected[d] >= 0 && expected[d] != PyArray_DIM(x, d);
    if (bad) {
        char want[512], have[512];
        size_t used = snprintf(want, sizeof(want), "(");
        for (int d = 0; d < nd && used < sizeof(want); d++) {
            if (expected[d] >= 0) used += snprintf(want + used, sizeof(want) - used, "%s%ld", d ? ", " : "", (long)expected[d]);
            else used += snprintf(want + used, sizeof(want) - used, "%sNone", d ? ", " : "");
        }
        if (used < sizeof(want)) snprintf(want + used, sizeof(want) - used, nd == 1 ? ",)" : ")");
        used = snprintf(have, sizeof(have), "(");
        for (int d = 0; d < PyArray_NDIM(x) && used < sizeof(have); d++)
            used += snprintf(have + used, sizeof(have) - used, "%s%ld", d ? ", " : "", (long)PyArray_DIM(x, d));
        if (used < sizeof(have)) snprintf(have + used, sizeof(have) - used, PyArray_NDIM(x) == 1 ? ",)" : ")");
        PyErr_Format(PyExc_ValueError, "SpecifyShape: expected shape %s, got %s", want, have);
        return -1;
    }
    Py_INCREF(x);
    Py_XSETREF(slots[st->out[0]], (PyObject *)x);
    return 0;
}

/* the op's NumPy implementation, called with the input values */
static int step_python(Step *st, PyObject **slots) {
    PyObject *args[16];
    PyObject **argv = args;
    if (st->n_in > 16) {
        argv = PyMem_Malloc(sizeof(PyObject *) * st->n_in);
        if (argv == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    for (int k = 0; k < st->n_in; k++) argv[k] = slots[st->in[k]];
    PyObject *result = PyObject_Vectorcall(st->fallback, argv, st->n_in, NULL);
    if (argv != args) PyMem_Free(argv);
    if (result == NULL) return -1;
    if (st->n_out == 1) {
        Py_XSETREF(slots[st->out[0]], result);
        return 0;
    }
    PyObject *items = PySequence_Fast(result, "a multi-output op must return a sequence");
    Py_DECREF(result);
    if (items == NULL) return -1;
    if (PySequence_Fast_GET_SIZE(items) != st->n_out) {
        PyErr_Format(PyExc_ValueError, "the op returned %zd values, expected %d",
                     PySequence_Fast_GET_SIZE(items), st->n_out);
        Py_DECREF(items);
        return -1;
    }
    for (int j = 0; j < st->n_out; j++) {
        PyObject *value = PySequence_Fast_GET_ITEM(items, j);
        Py_INCREF(value);
        Py_XSETREF(slots[st->out[j]], value);
    }
    Py_DECREF(items);
    return 0;
}
