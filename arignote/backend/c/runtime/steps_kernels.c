/* Steps that run generated kernels: elementwise loops, reductions, arg-reductions. */

/* Check and broadcast a kernel's inputs: new references in ``ins``, the
   iteration shape (rank st->ndim) in ``shape``. */
static int prepare_inputs(Step *st, PyObject **slots, PyArrayObject **ins, npy_intp *shape) {
    for (int k = 0; k < st->n_in; k++) {
        ins[k] = checked_input(slots[st->in[k]], st->in_descr[k], st->in_ndim[k], k);
        if (ins[k] == NULL) return -1;
    }
    if (broadcast_shape(ins, st->n_in, st->ndim, shape) < 0) return -1;
    if (check_no_stretch(ins, st->n_in, st->ndim, shape, st->in_fixed) < 0) return -1;
    for (int k = 0; k < st->n_in; k++) {
        if (st->in_scalar[k] && PyArray_SIZE(ins[k]) != 1) {
            char text[256];
            fmt_shape(text, sizeof(text), PyArray_NDIM(ins[k]), PyArray_DIMS(ins[k]));
            PyErr_Format(PyExc_ValueError, "input %d has shape %s, but its type says it has one "
                         "element", k, text);
            return -1;
        }
    }
    return 0;
}

/* the strides of input ``a`` broadcast to rank ``nd`` (0 where it is broadcast) */
static void broadcast_strides(PyArrayObject *a, int nd, npy_intp *strides) {
    int offset = nd - PyArray_NDIM(a);
    for (int d = 0; d < nd; d++) {
        if (d < offset || PyArray_DIM(a, d - offset) == 1) strides[d] = 0;
        else strides[d] = PyArray_STRIDE(a, d - offset);
    }
}

static PyArrayObject *donated_output(Step *st, PyObject **slots, unsigned char *used,
                                     PyArray_Descr *descr, int nd, const npy_intp *shape) {
    for (int i = 0; i < st->n_donors; i++) {
        PyObject *cand = slots[st->donors[i]];
        if (used[i] || cand == NULL || !reusable(cand)) continue;
        PyArrayObject *a = (PyArrayObject *)cand;
        if (same_dtype(PyArray_DESCR(a), descr) && same_shape(a, nd, shape)) {
            used[i] = 1;
            Py_INCREF(cand);
            return a;
        }
    }
    return NULL;
}

static int step_elemwise(Step *st, PyObject **slots, Pool *pool) {
    const int nin = st->n_in, nout = st->n_out, nd = st->ndim;
    const int nops = nin + nout, ndcap = nd + 1;   /* a spare axis for iter_run's tiles */
    PyArrayObject *ins[nin + 1], *outs[nout];
    unsigned char used[st->n_donors + 1];
    char *base[nops];
    npy_intp strides[(size_t)nops * ndcap];
    npy_intp shape[NPY_MAXDIMS];
    int status = -1;
    memset(ins, 0, sizeof(ins));
    memset(outs, 0, sizeof(outs));
    memset(used, 0, sizeof(used));
    if (prepare_inputs(st, slots, ins, shape) < 0) goto done;
    for (int j = 0; j < nout; j++) {
        outs[j] = donated_output(st, slots, used, st->out_descr[j], nd, shape);
        if (outs[j] == NULL) outs[j] = new_array(pool, st->out_descr[j], nd, shape);
        if (outs[j] == NULL) goto done;
    }
    Iter it = {.loop = st->loop, .nops = nops, .nd = nd, .ndcap = ndcap, .base = base, .strides = strides};
    for (int d = 0; d < nd; d++) it.shape[d] = shape[d];
    for (int k = 0; k < nin; k++) {
        it.base[k] = PyArray_DATA(ins[k]);
        broadcast_strides(ins[k], nd, &IT_STRIDE(&it, k, 0));
    }
    for (int j = 0; j < nout; j++) {
        it.base[nin + j] = PyArray_DATA(outs[j]);
        for (int d = 0; d < nd; d++) IT_STRIDE(&it, nin + j, d) = PyArray_STRIDE(outs[j], d);
    }
    iter_collapse(&it);
    int rc = iter_run(&it, st->cost, -1, 1, st->threads);
    if (rc) {
        raise_loop_error(rc);
        goto done;
    }
    for (int j = 0; j < nout; j++) {
        Py_XSETREF(slots[st->out[j]], (PyObject *)outs[j]);
        outs[j] = NULL;
    }
    status = 0;
done:
    for (int k = 0; k < nin; k++) Py_XDECREF(ins[k]);
    for (int j = 0; j < nout; j++) Py_XDECREF(outs[j]);
    return status;
}

/* every element of the C-ordered array ``a`` set to the one element of ``value`` */
static void fill_with(PyArrayObject *a, PyArrayObject *value) {
    const npy_intp size = PyArray_SIZE(a), isz = PyArray_ITEMSIZE(a);
    char *p = PyArray_DATA(a);
    if (size == 0) return;
    memcpy(p, PyArray_DATA(value), isz);
    for (npy_intp done = 1; done < size; done *= 2)  /* double the filled part each time */
        memcpy(p + done * isz, p, (size_t)((done * 2 <= size ? done : size - done) * isz));
}

static int step_reduce(Step *st, PyObject **slots, Pool *pool) {
    const int nin = st->n_in, nd = st->ndim, nops = nin + 1, ndcap = nd + 1;  /* a spare axis */
    PyArrayObject *ins[nin + 1], *acc = NULL;
    char *base[nops];
    npy_intp strides[(size_t)nops * ndcap];
    npy_intp shape[NPY_MAXDIMS], out_shape[NPY_MAXDIMS];
    int status = -1, out_nd = 0;
    memset(ins, 0, sizeof(ins));
    if (prepare_inputs(st, slots, ins, shape) < 0) goto done;
    for (int d = 0; d < nd; d++) {
        if (!st->reduced[d]) out_shape[out_nd++] = shape[d];
        else if (shape[d] == 0 && st->no_identity != NULL) {
            PyErr_Format(PyExc_ValueError, "zero-size array to reduction operation %s which has "
                         "no identity", st->no_identity);
            goto done;
        }
    }
    int direct = same_dtype(st->acc_descr, st->out_descr[0]);
    acc = new_array(direct ? pool : NULL, st->acc_descr, out_nd, out_shape);
    if (acc == NULL) goto done;
    fill_with(acc, st->init);

    Iter it = {.loop = st->loop, .nops = nops, .nd = nd, .ndcap = ndcap, .base = base, .strides = strides};
    for (int d = 0; d < nd; d++) it.shape[d] = shape[d];
    for (int k = 0; k < nin; k++) {
        it.base[k] = PyArray_DATA(ins[k]);
        broadcast_strides(ins[k], nd, &IT_STRIDE(&it, k, 0));
    }
    it.base[nin] = PyArray_DATA(acc);
    for (int d = 0, kept = 0; d < nd; d++)
        IT_STRIDE(&it, nin, d) = st->reduced[d] ? 0 : PyArray_STRIDE(acc, kept++);
    iter_collapse(&it);
    /* A short inner axis may give way to a long one the accumulator walks (iter_run).
       When the accumulator walks the inner axis too, every element already folds into
       its own accumulator, in the order of the reduced (outer) axes, and still does:
       the same values, whatever the operation.  A short reduced inner axis (a row folded
       into one accumulator) gives way only where the kernel's row fold is the one the
       accumulator gets one value per pass:
       - maximum and minimum (node_lowering gives no other reduction without an identity):
         their folds give the same value in any order (the first NaN, else the greatest
         value: only which of -0.0 and +0.0, or of two NaNs, could depend on the order, and
         with GCC a row shorter than one vector already folded one value at a time);
       - folds the kernel makes one value at a time from the accumulator (AG_FOLD_IN_ORDER);
       - a float sum's row shorter than AG_SHORT_FOLD, which the kernel adds in order from
         +0.0 before adding it to the accumulator (AG_FOLD_SHORT_ROWS_FROM_ZERO): the same
         as the accumulator's in-order fold when that starts from +0.0 (the initial value)
         and gets no other row, i.e. the inner axis is the only reduced one.
       Other folds (a sum's longer rows are NumPy's pairwise summation) keep their order.
       The first axis may be split across threads when the accumulator walks it (iter_run). */
    const int fold = st->fold_order & ~(AG_FOLD_ROWS_ON_REQUEST | AG_FOLD_BLOCK_VALUES);
    int order_free = IT_STRIDE(&it, nin, it.nd - 1) != 0 || fold == AG_FOLD_IN_ORDER
        || (st->no_identity != NULL && (strcmp(st->no_identity, "maximum") == 0
                                        || strcmp(st->no_identity, "minimum") == 0));
    if (!order_free && fold == AG_FOLD_SHORT_ROWS_FROM_ZERO
            && it.shape[it.nd - 1] < AG_SHORT_FOLD) {
        order_free = 1;
        for (int d = 0; d < it.nd - 1 && order_free; d++)
            order_free = IT_STRIDE(&it, nin, d) != 0;
    }
    /* The accumulator walks a short inner axis and one long axis is reduced (a column sum
       of a tall matrix): each accumulator element would take one value per loop call.
       Kernels that fold a row one value at a time on request (AG_FOLD_ROWS_ON_REQUEST)
       take the reduced axis innermost instead: each accumulator element still folds the
       same values in the same order (the only reduced axis, walked from its start).  An
       in-order fold is one chain of dependent operations per column: plain values take it
       for a few columns (AG_FOLD_COLUMNS), values computed in blocks for any short row. */
    int reduced_axis = -1, n_reduced = 0;
    if ((st->fold_order & AG_FOLD_ROWS_ON_REQUEST) && it.nd > 1)
        for (int d = 0; d < it.nd; d++)
            if (IT_STRIDE(&it, nin, d) == 0) {
                reduced_axis = d;
                n_reduced++;
            }
    if (n_reduced == 1 && reduced_axis < it.nd - 1
            && it.shape[it.nd - 1] <= ((st->fold_order & AG_FOLD_BLOCK_VALUES) ? AG_SHORT_ROW - 1
                                                                                : AG_FOLD_COLUMNS)
            && it.shape[reduced_axis] > it.shape[it.nd - 1]) {
        iter_move_inner(&it, reduced_axis);
        it.fold_rows = 1;
        order_free = 0;
    }
    int rc = iter_run(&it, st->cost, nin, order_free, st->threads);
    if (rc) {
        raise_loop_error(rc);
        goto done;
    }
    PyObject *result;
    if (direct) {
        result = (PyObject *)acc;
        acc = NULL;
    } else {
        Py_INCREF(st->out_descr[0]);
        result = PyArray_CastToType(acc, st->out_descr[0], 0);
        if (result == NULL) goto done;
    }
    Py_XSETREF(slots[st->out[0]], result);
    status = 0;
done:
    for (int k = 0; k < nin; k++) Py_XDECREF(ins[k]);
    Py_XDECREF(acc);
    return status;
}

static int step_argreduce(Step *st, PyObject **slots, Pool *pool) {
    const int nin = st->n_in, nd = st->ndim, ndcap = nd > 0 ? nd : 1;
    PyArrayObject *ins[nin + 1], *out = NULL;
    char *base[nin + 1];
    npy_intp strides[(size_t)(nin + 1) * ndcap];
    npy_intp shape[NPY_MAXDIMS], out_shape[NPY_MAXDIMS], idx[NPY_MAXDIMS];
    char *ptrs[nin + 1];
    npy_intp steps[nin + 1];
    union { double d; int64_t i; char bytes[16]; } best;
    int64_t index = -1;
    int status = -1;
    PyArray_Descr *int64 = PyArray_DescrFromType(NPY_INT64);
    memset(ins, 0, sizeof(ins));
    if (prepare_inputs(st, slots, ins, shape) < 0) goto done;
    Iter it = {.loop = NULL, .nops = nin, .nd = nd, .ndcap = ndcap, .base = base, .strides = strides};
    for (int d = 0; d < nd; d++) it.shape[d] = shape[d];
    for (int k = 0; k < nin; k++) {
        it.base[k] = PyArray_DATA(ins[k]);
        broadcast_strides(ins[k], nd, &IT_STRIDE(&it, k, 0));
    }
    if (st->axis < 0) {
        npy_intp total = 1;
        for (int d = 0; d < nd; d++) total *= shape[d];
        if (total == 0) {
            PyErr_Format(PyExc_ValueError, "attempt to get %s of an empty sequence", st->no_identity);
            goto done;
        }
        /* rows of the collapsed space in C order: merging axes keeps the flat index */
        iter_collapse(&it);
        const int cnd = it.nd;
        const npy_intp inner = it.shape[cnd - 1];
        for (int k = 0; k < nin; k++) steps[k] = IT_STRIDE(&it, k, cnd - 1);
        for (int d = 0; d < cnd; d++) idx[d] = 0;
        for (int64_t offset = 0; offset < total; offset += inner) {
            for (int k = 0; k < nin; k++) {
                char *p = it.base[k];
                for (int d = 0; d < cnd - 1; d++) p += idx[d] * IT_STRIDE(&it, k, d);
                ptrs[k] = p;
            }
            if (st->argloop(inner, ptrs, steps, best.bytes, &index, offset)) break;
            for (int d = cnd - 2; d >= 0; d--) {
                if (++idx[d] < it.shape[d]) break;
                idx[d] = 0;
            }
        }
        out = new_array(pool, int64, 0, NULL);
        if (out == NULL) goto done;
        *(int64_t *)PyArray_DATA(out) = index;
    } else {
        const int axis = st->axis;
        const npy_intp n = shape[axis];
        int out_nd = 0;
        for (int d = 0; d < nd; d++)
            if (d != axis) out_shape[out_nd++] = shape[d];
        out = new_array(pool, int64, out_nd, out_shape);
        if (out == NULL) goto done;
        const npy_intp count = PyArray_SIZE(out);
        if (n == 0 && count > 0) {
            PyErr_Format(PyExc_ValueError, "attempt to get %s of an empty sequence", st->no_identity);
            goto done;
        }
        for (int k = 0; k < nin; k++) steps[k] = IT_STRIDE(&it, k, axis);
        int64_t *dst = PyArray_DATA(out);
        for (int d = 0; d < nd; d++) idx[d] = 0;
        for (npy_intp i = 0; i < count; i++) {
            for (int k = 0; k < nin; k++) {
                char *p = it.base[k];
                for (int d = 0; d < nd; d++)
                    if (d != axis) p += idx[d] * IT_STRIDE(&it, k, d);
                ptrs[k] = p;
            }
            index = -1;
            st->argloop(n, ptrs, steps, best.bytes, &index, 0);
            dst[i] = index;
            for (int d = nd - 1; d >= 0; d--) {  /* next position over the axes other than ``axis`` */
                if (d == axis) continue;
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
    }
    Py_XSETREF(slots[st->out[0]], (PyObject *)out);
    out = NULL;
    status = 0;
done:
    Py_DECREF(int64);
    for (int k = 0; k < nin; k++) Py_XDECREF(ins[k]);
    Py_XDECREF(out);
    return status;
}
