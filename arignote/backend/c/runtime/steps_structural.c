/* Structural steps that copy or check data: run-time assertions, MakeVector, Join, Split,
   Diagonal, writes through a basic key (IncSubtensor); and the helpers they share with the
   integer-vector reads and writes of steps_gather.c.

   Each handles the common case in C and hands every other case to the op's NumPy
   implementation (st->fallback): unusual dtypes, inputs of other dtypes than the node
   declares, and every error (an index out of range, lengths that do not match, a false
   condition), so that the exception raised is the op's own, with its message.  A check that
   fails before anything is written leaves no trace: the fallback starts from the inputs. */

/* --- helpers ---------------------------------------------------------------------------- */

/* run the op's NumPy implementation (the error path, and what C does not handle) */
static int fallback(Step *st, PyObject **slots) {
    if (PyErr_Occurred()) PyErr_Clear();
    return step_python(st, slots);
}

/* an array the C paths may read and write as plain elements of ``descr`` */
static PyArrayObject *plain_array(PyObject *obj, PyArray_Descr *descr) {
    if (!PyArray_Check(obj)) return NULL;
    PyArrayObject *a = (PyArrayObject *)obj;
    if (!PyArray_ISNOTSWAPPED(a) || !PyArray_ISALIGNED(a)) return NULL;
    if (descr != NULL && !same_dtype(PyArray_DESCR(a), descr)) return NULL;
    if (PyDataType_REFCHK(PyArray_DESCR(a))) return NULL;  /* object elements: reference counts */
    return a;
}

/* what to do with one row of n elements: copy, or add (per dtype) */
enum ag_row { ROW_COPY = 0, ROW_ADD_F64, ROW_ADD_F32, ROW_ADD_U64, ROW_ADD_U32, ROW_ADD_U16, ROW_ADD_U8 };

/* the row operation adding elements of ``descr`` (-1: C does not add them) */
static int add_kind(PyArray_Descr *descr) {
    switch (descr->type_num) {
    case NPY_FLOAT64: return ROW_ADD_F64;
    case NPY_FLOAT32: return ROW_ADD_F32;
    default: break;
    }
    if (descr->kind != 'i' && descr->kind != 'u') return -1;
    /* integers wrap around as NumPy's do: added as unsigned numbers of their size */
    switch (PyDataType_ELSIZE(descr)) {
    case 8: return ROW_ADD_U64;
    case 4: return ROW_ADD_U32;
    case 2: return ROW_ADD_U16;
    case 1: return ROW_ADD_U8;
    default: return -1;
    }
}

#define AG_ROW_ADD(type)                                                                   \
    for (npy_intp i = 0; i < n; i++)                                                       \
        *(type *)(dst + i * ds) = (type)(*(type *)(dst + i * ds) + *(const type *)(src + i * ss));

static void row_op(int op, char *dst, npy_intp ds, const char *src, npy_intp ss, npy_intp n,
                   npy_intp elsize) {
    switch (op) {
    case ROW_COPY:
        if (ds == elsize && ss == elsize) {
            memmove(dst, src, (size_t)(n * elsize));
        } else if (elsize == 8) {
            for (npy_intp i = 0; i < n; i++) *(uint64_t *)(dst + i * ds) = *(const uint64_t *)(src + i * ss);
        } else if (elsize == 4) {
            for (npy_intp i = 0; i < n; i++) *(uint32_t *)(dst + i * ds) = *(const uint32_t *)(src + i * ss);
        } else {
            for (npy_intp i = 0; i < n; i++) memmove(dst + i * ds, src + i * ss, (size_t)elsize);
        }
        break;
    case ROW_ADD_F64: AG_ROW_ADD(double) break;
    case ROW_ADD_F32: AG_ROW_ADD(float) break;
    case ROW_ADD_U64: AG_ROW_ADD(uint64_t) break;
    case ROW_ADD_U32: AG_ROW_ADD(uint32_t) break;
    case ROW_ADD_U16: AG_ROW_ADD(uint16_t) break;
    case ROW_ADD_U8: AG_ROW_ADD(uint8_t) break;
    }
}

/* dst (op)= src over an nd region of lengths ``shape`` (src strides 0 where it broadcasts) */
static void region_op(int op, int nd, const npy_intp *shape, char *dst, const npy_intp *dst_strides,
                      const char *src, const npy_intp *src_strides, npy_intp elsize) {
    if (nd == 0) {
        row_op(op, dst, elsize, src, elsize, 1, elsize);
        return;
    }
    for (int d = 0; d < nd; d++)
        if (shape[d] == 0) return;
    npy_intp index[NPY_MAXDIMS];
    for (int d = 0; d < nd; d++) index[d] = 0;
    const int inner = nd - 1;
    for (;;) {
        row_op(op, dst, dst_strides[inner], src, src_strides[inner], shape[inner], elsize);
        int d = inner - 1;
        for (; d >= 0; d--) {
            dst += dst_strides[d];
            src += src_strides[d];
            if (++index[d] < shape[d]) break;
            dst -= dst_strides[d] * shape[d];
            src -= src_strides[d] * shape[d];
            index[d] = 0;
        }
        if (d < 0) return;
    }
}

/* The strides reading ``y`` broadcast to a region of rank nd and lengths ``shape``, as NumPy's
   ``out[key] = y`` reads it (extra leading axes of length 1 ignored); 0 when it does not fit. */
static int broadcast_value(PyArrayObject *y, int nd, const npy_intp *shape, npy_intp *strides) {
    const int ynd = PyArray_NDIM(y), offset = nd - ynd;
    for (int d = 0; d < ynd && d < -offset; d++)
        if (PyArray_DIM(y, d) != 1) return 0;
    for (int d = 0; d < nd; d++) {
        int yd = d - offset;
        if (yd < 0) {
            strides[d] = 0;
            continue;
        }
        npy_intp have = PyArray_DIM(y, yd);
        if (have == shape[d]) strides[d] = have == 1 ? 0 : PyArray_STRIDE(y, yd);
        else if (have == 1) strides[d] = 0;
        else return 0;
    }
    return 1;
}

/* A copy of ``x`` to write into: the dead buffer of ``x`` itself when the schedule donated it
   (nobody else holds or views it), else a new C-ordered array (a dead one of the pool). */
static PyArrayObject *writable_copy(Step *st, PyObject **slots, PyArrayObject *x, Pool *pool) {
    PyObject *obj = (PyObject *)x;
    for (int i = 0; i < st->n_donors; i++)
        if (slots[st->donors[i]] == obj && reusable(obj)) {
            Py_INCREF(obj);
            return x;
        }
    PyArrayObject *out = new_array(pool, PyArray_DESCR(x), PyArray_NDIM(x), PyArray_DIMS(x));
    if (out == NULL) return NULL;
    if (PyArray_ISCARRAY_RO(x))
        memcpy(PyArray_DATA(out), PyArray_DATA(x), (size_t)PyArray_NBYTES(x));
    else
        region_op(ROW_COPY, PyArray_NDIM(x), PyArray_DIMS(x), PyArray_DATA(out), PyArray_STRIDES(out),
                  PyArray_DATA(x), PyArray_STRIDES(x), PyArray_ITEMSIZE(x));
    return out;
}

/* entry i of an integer vector (native, aligned), as a signed index */
static inline npy_intp index_at(const char *data, npy_intp stride, npy_intp i, int size, int is_signed) {
    const char *p = data + i * stride;
    switch (size) {
    case 8: return is_signed ? (npy_intp)*(const int64_t *)p : (npy_intp)*(const uint64_t *)p;
    case 4: return is_signed ? (npy_intp)*(const int32_t *)p : (npy_intp)*(const uint32_t *)p;
    case 2: return is_signed ? (npy_intp)*(const int16_t *)p : (npy_intp)*(const uint16_t *)p;
    default: return is_signed ? (npy_intp)*(const int8_t *)p : (npy_intp)*(const uint8_t *)p;
    }
}

/* an integer index vector C reads directly; NULL when the fallback should run */
static PyArrayObject *index_vector(PyObject *obj) {
    PyArrayObject *a = plain_array(obj, NULL);
    if (a == NULL || PyArray_NDIM(a) != 1) return NULL;
    char kind = PyArray_DESCR(a)->kind;
    if (kind != 'i' && !(kind == 'u' && PyArray_ITEMSIZE(a) < 8)) return NULL;
    return a;
}

/* --- the steps ---------------------------------------------------------------------------- */

/* CheckAndRaise: x passes through once every condition (a one-element bool array) holds */
static int step_check(Step *st, PyObject **slots) {
    for (int k = 1; k < st->n_in; k++) {
        PyObject *obj = slots[st->in[k]];
        if (!PyArray_Check(obj)) return fallback(st, slots);
        PyArrayObject *c = (PyArrayObject *)obj;
        if (PyArray_TYPE(c) != NPY_BOOL || PyArray_SIZE(c) != 1 || PyArray_NDIM(c) != 0)
            return fallback(st, slots);
        if (!*(const npy_bool *)PyArray_DATA(c)) return fallback(st, slots);  /* raises */
    }
    PyObject *x = slots[st->in[0]];
    Py_INCREF(x);
    Py_XSETREF(slots[st->out[0]], x);
    return 0;
}

/* Diagonal (np.diagonal): a read-only view, the diagonal as the last axis.
   iparams: offset, axis1, axis2 */
static int step_diagonal(Step *st, PyObject **slots) {
    const npy_intp offset = st->iparams[0];
    const int a1 = (int)st->iparams[1], a2 = (int)st->iparams[2];
    PyObject *obj = slots[st->in[0]];
    if (!PyArray_Check(obj)) return fallback(st, slots);
    PyArrayObject *x = (PyArrayObject *)obj;
    const int nd = PyArray_NDIM(x);
    if (a1 < 0 || a2 < 0 || a1 >= nd || a2 >= nd || a1 == a2) return fallback(st, slots);
    npy_intp dims[NPY_MAXDIMS], strides[NPY_MAXDIMS];
    int m = 0;
    for (int d = 0; d < nd; d++)
        if (d != a1 && d != a2) {
            dims[m] = PyArray_DIM(x, d);
            strides[m++] = PyArray_STRIDE(x, d);
        }
    const npy_intp n1 = PyArray_DIM(x, a1), n2 = PyArray_DIM(x, a2);
    const npy_intp s1 = PyArray_STRIDE(x, a1), s2 = PyArray_STRIDE(x, a2);
    npy_intp length = offset >= 0 ? (n2 - offset < n1 ? n2 - offset : n1)
                                   : (n1 + offset < n2 ? n1 + offset : n2);
    char *data = PyArray_DATA(x);
    if (length <= 0) length = 0;
    else data += offset >= 0 ? offset * s2 : -offset * s1;
    dims[m] = length;
    strides[m++] = s1 + s2;
    PyArray_Descr *descr = PyArray_DESCR(x);
    Py_INCREF(descr);
    PyObject *view = PyArray_NewFromDescr(&PyArray_Type, descr, m, dims, strides, data, 0, NULL);
    if (view == NULL) return -1;
    Py_INCREF(x);
    if (PyArray_SetBaseObject((PyArrayObject *)view, (PyObject *)x) < 0) {
        Py_DECREF(view);
        return -1;
    }
    Py_XSETREF(slots[st->out[0]], view);
    return 0;
}

/* MakeVector: 0-d inputs of the vector's dtype, copied into a new vector */
static int step_make_vector(Step *st, PyObject **slots, Pool *pool) {
    PyArray_Descr *descr = st->out_descr[0];
    const npy_intp n = st->n_in, elsize = PyDataType_ELSIZE(descr);
    for (int k = 0; k < st->n_in; k++) {
        PyArrayObject *a = plain_array(slots[st->in[k]], descr);
        if (a == NULL || PyArray_NDIM(a) != 0) return fallback(st, slots);
    }
    PyArrayObject *out = new_array(pool, descr, 1, &n);
    if (out == NULL) return -1;
    char *dst = PyArray_DATA(out);
    for (int k = 0; k < st->n_in; k++)
        memcpy(dst + k * elsize, PyArray_DATA((PyArrayObject *)slots[st->in[k]]), (size_t)elsize);
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    return 0;
}

/* Join (np.concatenate along st->axis): inputs of the output's dtype, matching lengths */
static int step_join(Step *st, PyObject **slots, Pool *pool) {
    PyArray_Descr *descr = st->out_descr[0];
    const int axis = st->axis;
    PyArrayObject *first = plain_array(slots[st->in[0]], descr);
    if (first == NULL) return fallback(st, slots);
    const int nd = PyArray_NDIM(first);
    if (axis < 0 || axis >= nd) return fallback(st, slots);
    npy_intp shape[NPY_MAXDIMS];
    for (int d = 0; d < nd; d++) shape[d] = PyArray_DIM(first, d);
    shape[axis] = 0;
    for (int k = 0; k < st->n_in; k++) {
        PyArrayObject *a = plain_array(slots[st->in[k]], descr);
        if (a == NULL || PyArray_NDIM(a) != nd) return fallback(st, slots);
        for (int d = 0; d < nd; d++)
            if (d != axis && PyArray_DIM(a, d) != shape[d]) return fallback(st, slots);
        shape[axis] += PyArray_DIM(a, axis);
    }
    PyArrayObject *out = new_array(pool, descr, nd, shape);
    if (out == NULL) return -1;
    char *dst = PyArray_DATA(out);
    const npy_intp elsize = PyDataType_ELSIZE(descr);
    for (int k = 0; k < st->n_in; k++) {
        PyArrayObject *a = (PyArrayObject *)slots[st->in[k]];
        region_op(ROW_COPY, nd, PyArray_DIMS(a), dst, PyArray_STRIDES(out), PyArray_DATA(a),
                  PyArray_STRIDES(a), elsize);
        dst += PyArray_DIM(a, axis) * PyArray_STRIDE(out, axis);
    }
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    return 0;
}

/* Split: views of x along st->axis, of the lengths the integer vector gives */
static int step_split(Step *st, PyObject **slots) {
    PyObject *xobj = slots[st->in[0]];
    PyArrayObject *sizes = index_vector(slots[st->in[1]]);
    if (!PyArray_Check(xobj) || sizes == NULL || PyArray_DIM(sizes, 0) != st->n_out)
        return fallback(st, slots);
    PyArrayObject *x = (PyArrayObject *)xobj;
    const int nd = PyArray_NDIM(x), axis = st->axis;
    if (axis < 0 || axis >= nd) return fallback(st, slots);
    const npy_intp stride = PyArray_STRIDE(sizes, 0);
    const int size = (int)PyArray_ITEMSIZE(sizes), is_signed = PyArray_DESCR(sizes)->kind == 'i';
    npy_intp total = 0;
    for (int j = 0; j < st->n_out; j++) {
        npy_intp part = index_at(PyArray_DATA(sizes), stride, j, size, is_signed);
        if (part < 0 || part > PyArray_DIM(x, axis)) return fallback(st, slots);
        total += part;
    }
    if (total != PyArray_DIM(x, axis)) return fallback(st, slots);
    npy_intp dims[NPY_MAXDIMS];
    for (int d = 0; d < nd; d++) dims[d] = PyArray_DIM(x, d);
    char *data = PyArray_DATA(x);
    for (int j = 0; j < st->n_out; j++) {
        dims[axis] = index_at(PyArray_DATA(sizes), stride, j, size, is_signed);
        PyObject *view = make_view(x, nd, dims, PyArray_STRIDES(x), data);
        if (view == NULL) return -1;
        Py_XSETREF(slots[st->out[j]], view);
        data += dims[axis] * PyArray_STRIDE(x, axis);
    }
    return 0;
}

/* IncSubtensor: a copy of x (or x's dead buffer) with x[key] set to, or incremented by, y.
   iparams: set (1) or inc (0), input rank, number of entries, then the entries (ag_entry);
   inputs: x, y, then the key's symbolic parts. */
static int step_inc_subtensor(Step *st, PyObject **slots, Pool *pool) {
    const int set = (int)st->iparams[0], in_nd = (int)st->iparams[1];
    PyArrayObject *x = plain_array(slots[st->in[0]], NULL);
    if (x == NULL || PyArray_NDIM(x) != in_nd) return fallback(st, slots);
    PyArrayObject *y = plain_array(slots[st->in[1]], PyArray_DESCR(x));
    int op = set ? ROW_COPY : add_kind(PyArray_DESCR(x));
    if (y == NULL || op < 0 || PyArray_TYPE(x) == NPY_BOOL) return fallback(st, slots);
    /* the region, located in x first: any error there leaves the work to the fallback */
    npy_intp dims[NPY_MAXDIMS], strides[NPY_MAXDIMS], ystrides[NPY_MAXDIMS];
    char *at = PyArray_DATA(x);
    int nd = 0;
    if (basic_region(st, slots, st->iparams + 2, 2, in_nd, PyArray_DIMS(x), PyArray_STRIDES(x), &at,
                     &nd, dims, strides) < 0)
        return fallback(st, slots);
    if (!broadcast_value(y, nd, dims, ystrides)) return fallback(st, slots);
    PyArrayObject *out = writable_copy(st, slots, x, pool);
    if (out == NULL) return -1;
    /* the same key on the output, which may have other strides than x */
    char *dst = PyArray_DATA(out);
    if (basic_region(st, slots, st->iparams + 2, 2, in_nd, PyArray_DIMS(out), PyArray_STRIDES(out), &dst,
                     &nd, dims, strides) < 0) {
        Py_DECREF(out);
        return -1;
    }
    region_op(op, nd, dims, dst, strides, PyArray_DATA(y), ystrides, PyArray_ITEMSIZE(x));
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    return 0;
}
