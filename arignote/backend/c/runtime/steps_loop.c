/* A loop driven in C around its body's compiled Program (arignote/backend/c/loop_lowering.py).
 *
 * run_loop(body, n, seqs, inits, consts, keep, labels, until) runs n >= 1 steps
 * (``labels`` describe the body's steps, then the loop, for error messages); with
 * ``until``, the body's last output is a stop flag and the loop ends after the step
 * that raises it.  The body's
 * inputs are (sequence rows, carries, constants), its outputs (new carries, per-step
 * values).  Each step sets the body's slots directly: no argument tuple, no output list,
 * and one buffer pool for the whole loop, so a carry's dead buffer holds the next one.
 * Rows of a sequence are views made once per step; per-step values are copied into
 * their stacked array (keep[j] == 0: n rows, row t is step t) or into a ring of keep[j]
 * rows (row t % keep[j]).  Carries and per-step values must keep their dtype and shape.
 *
 * A while loop's step count is not known in advance: its stacked arrays start with
 * AG_WHILE_ROWS rows and double when full, and only the first ``steps`` rows count.
 *
 * Returns (final carries, stacked arrays, steps done).  The Python side checks the inputs first
 * (step count, sequence lengths) and assembles the outputs (rings in order, no
 * aliasing of inputs).
 */

static int same_layout(PyArrayObject *a, PyArrayObject *b) {
    return PyArray_NDIM(a) == PyArray_NDIM(b) && same_dtype(PyArray_DESCR(a), PyArray_DESCR(b))
        && same_shape(a, PyArray_NDIM(b), PyArray_DIMS(b));
}

static int loop_value_error(const char *what, int j, npy_intp t, PyArrayObject *before, PyArrayObject *now) {
    char was[160], is[160];
    fmt_shape(was, sizeof(was), PyArray_NDIM(before), PyArray_DIMS(before));
    fmt_shape(is, sizeof(is), PyArray_NDIM(now), PyArray_DIMS(now));
    if (!same_dtype(PyArray_DESCR(before), PyArray_DESCR(now)))
        PyErr_Format(PyExc_ValueError, "%s %d has dtype %S at step %zd but %S before: a loop's carries "
                     "and per-step outputs keep their dtype from step to step", what, j,
                     (PyObject *)PyArray_DESCR(now), (Py_ssize_t)t, (PyObject *)PyArray_DESCR(before));
    else
        PyErr_Format(PyExc_ValueError, "%s %d has shape %s at step %zd but %s before: a loop's carries "
                     "and per-step outputs keep their shape from step to step", what, j, is,
                     (Py_ssize_t)t, was);
    return -1;
}

#define AG_WHILE_ROWS 32

/* a stacked array with room for ``rows`` rows, the first ``used`` copied from ``old`` */
static PyObject *grown(PyArrayObject *old, npy_intp rows, npy_intp used) {
    npy_intp dims[NPY_MAXDIMS];
    int nd = PyArray_NDIM(old);
    for (int d = 0; d < nd; d++) dims[d] = PyArray_DIM(old, d);
    dims[0] = rows;
    PyArray_Descr *descr = PyArray_DESCR(old);
    Py_INCREF(descr);
    PyObject *bigger = PyArray_Empty(nd, dims, descr, 0);
    if (bigger == NULL) return NULL;
    if (used > 0)
        memcpy(PyArray_BYTES((PyArrayObject *)bigger), PyArray_BYTES(old), (size_t)(used * PyArray_STRIDE(old, 0)));
    return bigger;
}

/* store step t's value of per-step output j into its stacked array, made at step 0: ``rows``
   rows, or a ring of min(ring, n) rows */
static int store_row(PyObject **stacked, PyArrayObject **first, int j, npy_intp t, npy_intp rows,
                     npy_intp n, npy_intp ring, PyObject *value) {
    if (!PyArray_Check(value)) {
        PyErr_Format(PyExc_TypeError, "per-step output %d is not an array", j);
        return -1;
    }
    PyArrayObject *y = (PyArrayObject *)value;
    if (stacked[j] == NULL) {
        npy_intp dims[NPY_MAXDIMS];
        int nd = PyArray_NDIM(y);
        if (nd + 1 > NPY_MAXDIMS) {
            PyErr_SetString(PyExc_ValueError, "a per-step output has too many dimensions to stack");
            return -1;
        }
        dims[0] = ring ? (ring < n ? ring : n) : rows;
        for (int d = 0; d < nd; d++) dims[d + 1] = PyArray_DIM(y, d);
        PyArray_Descr *descr = PyArray_DESCR(y);
        Py_INCREF(descr);
        stacked[j] = PyArray_Empty(nd + 1, dims, descr, 0);
        if (stacked[j] == NULL) return -1;
        Py_INCREF(y);
        first[j] = y;
    } else if (!same_layout(y, first[j])) {
        return loop_value_error("per-step output", j, t, first[j], y);
    }
    PyArrayObject *out = (PyArrayObject *)stacked[j];
    npy_intp row = ring ? t % ring : t;
    char *dst = PyArray_BYTES(out) + row * PyArray_STRIDE(out, 0);
    npy_intp bytes = PyArray_NBYTES(y);
    if (PyArray_IS_C_CONTIGUOUS(y)) {
        if (bytes) memcpy(dst, PyArray_BYTES(y), (size_t)bytes);
        return 0;
    }
    PyObject *target = make_view(out, PyArray_NDIM(out) - 1, PyArray_DIMS(out) + 1,
                                 PyArray_STRIDES(out) + 1, dst);
    if (target == NULL) return -1;
    int status = PyArray_CopyInto((PyArrayObject *)target, y);
    Py_DECREF(target);
    return status;
}

/* the exception of a failed body step, with the inner node and the loop step; ``labels``
   describe the body's steps, then the loop */
static void explain_step_failure(PyObject *labels, int inner, npy_intp t) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    Py_ssize_t count = PyTuple_GET_SIZE(labels);
    PyObject *loop = count ? PyTuple_GET_ITEM(labels, count - 1) : NULL;
    PyObject *label = (inner >= 0 && inner < count - 1) ? PyTuple_GET_ITEM(labels, inner) : NULL;
    if (label != NULL && loop != NULL)
        PyErr_Format(type, "%S at step %zd of %S: %S", label, (Py_ssize_t)t, loop, value);
    else
        PyErr_Format(type, "step %zd of the loop: %S", (Py_ssize_t)t, value);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

static PyObject *mod_run_loop(PyObject *self, PyObject *args) {
    PyObject *body_obj, *seqs, *inits, *consts, *keep, *labels;
    Py_ssize_t n;
    int until;
    if (!PyArg_ParseTuple(args, "OnO!O!O!O!O!p:run_loop", &body_obj, &n, &PyTuple_Type, &seqs,
                          &PyTuple_Type, &inits, &PyTuple_Type, &consts, &PyTuple_Type, &keep,
                          &PyTuple_Type, &labels, &until))
        return NULL;
    if (!PyObject_TypeCheck(body_obj, &ProgramType)) {
        PyErr_SetString(PyExc_TypeError, "run_loop: the body must be a Program");
        return NULL;
    }
    ProgramObject *p = (ProgramObject *)body_obj;
    int ns = (int)PyTuple_GET_SIZE(seqs), nc = (int)PyTuple_GET_SIZE(inits);
    int nk = (int)PyTuple_GET_SIZE(consts), ny = (int)PyTuple_GET_SIZE(keep);
    if (n < 1 || ns + nc + nk != p->n_inputs || nc + ny + until != p->n_outputs) {
        PyErr_SetString(PyExc_ValueError, "run_loop: the loop's parts do not match its body");
        return NULL;
    }
    for (int i = 0; i < ns; i++) {
        PyObject *s = PyTuple_GET_ITEM(seqs, i);
        if (!PyArray_Check(s) || PyArray_NDIM((PyArrayObject *)s) < 1
                || PyArray_DIM((PyArrayObject *)s, 0) < n) {
            PyErr_Format(PyExc_ValueError, "run_loop: sequence %d is not an array of at least %zd rows",
                         i, n);
            return NULL;
        }
    }
    for (int j = 0; j < nc; j++)
        if (!PyArray_Check(PyTuple_GET_ITEM(inits, j))) {
            PyErr_Format(PyExc_TypeError, "run_loop: initial carry %d is not an array", j);
            return NULL;
        }
    npy_intp *ring = PyMem_Calloc(ny + 1, sizeof(npy_intp));
    if (ring == NULL) return PyErr_NoMemory();
    for (int j = 0; j < ny; j++) {
        ring[j] = PyLong_AsSsize_t(PyTuple_GET_ITEM(keep, j));
        if (ring[j] < 0) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "run_loop: keep must be >= 0");
            PyMem_Free(ring);
            return NULL;
        }
    }

    PyObject **slots = PyMem_Calloc(p->n_slots + 1, sizeof(PyObject *));
    PyObject **carry = PyMem_Calloc(nc + 1, sizeof(PyObject *));
    PyObject **rows = PyMem_Calloc(ns + 1, sizeof(PyObject *));
    PyObject **stacked = PyMem_Calloc(ny + 1, sizeof(PyObject *));
    PyArrayObject **first = PyMem_Calloc(ny + 1, sizeof(PyArrayObject *));
    PyObject *result = NULL;
    Pool pool = {0};
    if (!slots || !carry || !rows || !stacked || !first) {
        PyErr_NoMemory();
        goto done;
    }
    for (int j = 0; j < nc; j++) {
        carry[j] = PyTuple_GET_ITEM(inits, j);
        Py_INCREF(carry[j]);
    }
    npy_intp room = until ? (n < AG_WHILE_ROWS ? n : AG_WHILE_ROWS) : n;   /* stacked rows made */
    npy_intp steps = 0;
    for (npy_intp t = 0; t < n; t++) {
        if ((t & 4095) == 4095 && PyErr_CheckSignals() < 0) goto done;   /* Ctrl-C stops long loops */
        if (t == room) {   /* a while loop's stacked arrays are full: double them */
            room = room > n / 2 ? n : 2 * room;
            for (int j = 0; j < ny; j++) {
                if (ring[j] || stacked[j] == NULL) continue;
                PyObject *bigger = grown((PyArrayObject *)stacked[j], room, t);
                if (bigger == NULL) goto done;
                Py_SETREF(stacked[j], bigger);
            }
        }
        /* the body's inputs: this step's rows (a row view nobody kept is moved on, not remade) */
        for (int i = 0; i < ns; i++) {
            PyArrayObject *s = (PyArrayObject *)PyTuple_GET_ITEM(seqs, i);
            char *data = PyArray_BYTES(s) + t * PyArray_STRIDE(s, 0);
            if (rows[i] != NULL && Py_REFCNT(rows[i]) == 1) {
                ((PyArrayObject_fields *)rows[i])->data = data;
            } else {
                Py_XDECREF(rows[i]);
                rows[i] = make_view(s, PyArray_NDIM(s) - 1, PyArray_DIMS(s) + 1, PyArray_STRIDES(s) + 1,
                                    data);
                if (rows[i] == NULL) goto done;
            }
            Py_INCREF(rows[i]);
            slots[i] = rows[i];
        }
        for (int j = 0; j < nc; j++) {
            slots[ns + j] = carry[j];   /* the slot takes the loop's reference */
            carry[j] = NULL;
        }
        for (int k = 0; k < nk; k++) {
            slots[ns + nc + k] = PyTuple_GET_ITEM(consts, k);
            Py_INCREF(slots[ns + nc + k]);
        }
        if (run_schedule(p, slots, &pool) < 0) {
            explain_step_failure(labels, p->failed_step, t);
            goto done;
        }
        for (int j = 0; j < nc + ny; j++) {
            PyObject *value = slots[p->outputs[j]];
            if (value == NULL || !PyArray_Check(value)) {
                PyErr_SetString(PyExc_SystemError, "a loop body left an output unset");
                goto done;
            }
            if (j < nc) {
                PyArrayObject *init = (PyArrayObject *)PyTuple_GET_ITEM(inits, j);
                if (!same_layout((PyArrayObject *)value, init)) {
                    loop_value_error("carry", j, t, init, (PyArrayObject *)value);
                    goto done;
                }
                Py_INCREF(value);
                carry[j] = value;
            } else if (store_row(stacked, first, j - nc, t, room, n, ring[j - nc], value) < 0) {
                goto done;
            }
        }
        steps = t + 1;
        int stop = 0;
        if (until) {
            PyObject *flag = slots[p->outputs[nc + ny]];
            if (flag == NULL) {
                PyErr_SetString(PyExc_SystemError, "a loop body left its stop flag unset");
                goto done;
            }
            stop = PyObject_IsTrue(flag);
            if (stop < 0) goto done;
        }
        /* what is left of the step goes to the pool: the old carries' buffers serve the next step */
        for (int i = 0; i < p->n_slots; i++) {
            PyObject *obj = slots[i];
            slots[i] = NULL;
            if (obj == NULL) continue;
            if (reusable(obj)) pool_put(&pool, obj);
            else Py_DECREF(obj);
        }
        if (stop) break;
    }
    PyObject *finals = PyList_New(nc);
    PyObject *ys = PyList_New(ny);
    if (finals == NULL || ys == NULL) {
        Py_XDECREF(finals);
        Py_XDECREF(ys);
        goto done;
    }
    for (int j = 0; j < nc; j++) {
        PyList_SET_ITEM(finals, j, carry[j]);
        carry[j] = NULL;
    }
    for (int j = 0; j < ny; j++) {
        PyList_SET_ITEM(ys, j, stacked[j]);
        stacked[j] = NULL;
    }
    result = Py_BuildValue("(NNn)", finals, ys, (Py_ssize_t)steps);
done:
    if (slots) {
        for (int i = 0; i < p->n_slots; i++) Py_XDECREF(slots[i]);
        PyMem_Free(slots);
    }
    if (carry) {
        for (int j = 0; j < nc; j++) Py_XDECREF(carry[j]);
        PyMem_Free(carry);
    }
    if (rows) {
        for (int i = 0; i < ns; i++) Py_XDECREF(rows[i]);
        PyMem_Free(rows);
    }
    if (stacked) {
        for (int j = 0; j < ny; j++) Py_XDECREF(stacked[j]);
        PyMem_Free(stacked);
    }
    if (first) {
        for (int j = 0; j < ny; j++) Py_XDECREF(first[j]);
        PyMem_Free(first);
    }
    pool_clear(&pool);
    PyMem_Free(ring);
    return result;
}
