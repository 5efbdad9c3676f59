/* The Program type (a compiled schedule) and the module's functions. */

/* --- building a Program from the Python description ------------------------------------ */

static int *int_array(PyObject *seq, int *count, const char *what) {
    PyObject *items = PySequence_Fast(seq, what);
    if (items == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items);
    int *out = PyMem_Calloc(n > 0 ? n : 1, sizeof(int));
    if (out == NULL) {
        Py_DECREF(items);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(items, i));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(out);
            Py_DECREF(items);
            return NULL;
        }
        out[i] = (int)v;
    }
    Py_DECREF(items);
    *count = (int)n;
    return out;
}

static npy_intp *intp_array(PyObject *seq, int *count) {
    PyObject *items = PySequence_Fast(seq, "expected a sequence of ints");
    if (items == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items);
    npy_intp *out = PyMem_Calloc(n > 0 ? n : 1, sizeof(npy_intp));
    if (out == NULL) {
        Py_DECREF(items);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        long long v = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(items, i));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(out);
            Py_DECREF(items);
            return NULL;
        }
        out[i] = (npy_intp)v;
    }
    Py_DECREF(items);
    *count = (int)n;
    return out;
}

static PyArray_Descr **descr_array(PyObject *seq, int expected) {
    PyObject *items = PySequence_Fast(seq, "expected a sequence of dtypes");
    if (items == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items);
    if (n != expected) {
        Py_DECREF(items);
        PyErr_Format(PyExc_ValueError, "expected %d dtypes, got %zd", expected, n);
        return NULL;
    }
    PyArray_Descr **out = PyMem_Calloc(n > 0 ? n : 1, sizeof(PyArray_Descr *));
    if (out == NULL) {
        Py_DECREF(items);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *d = PySequence_Fast_GET_ITEM(items, i);
        if (!PyArray_DescrCheck(d)) {
            Py_DECREF(items);
            PyErr_SetString(PyExc_TypeError, "expected numpy dtypes");
            return out;  /* freed by the caller through the step; entries may be NULL */
        }
        Py_INCREF(d);
        out[i] = (PyArray_Descr *)d;
    }
    Py_DECREF(items);
    return out;
}

static unsigned char *flag_array(PyObject *seq, int expected) {
    int n = 0;
    int *values = int_array(seq, &n, "expected a sequence of flags");
    if (values == NULL) return NULL;
    unsigned char *out = PyMem_Calloc(expected > 0 ? expected : 1, 1);
    if (out != NULL)
        for (int i = 0; i < n && i < expected; i++) out[i] = (unsigned char)(values[i] != 0);
    PyMem_Free(values);
    return out;
}

static void *address_of(PyObject *obj) {
    void *p = PyLong_AsVoidPtr(obj);
    if (p == NULL && !PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "null function address");
    return p;
}

static void free_step(Step *st) {
    PyMem_Free(st->in);
    PyMem_Free(st->out);
    PyMem_Free(st->free);
    PyMem_Free(st->donors);
    if (st->in_descr) {
        for (int k = 0; k < st->n_in; k++) Py_XDECREF(st->in_descr[k]);
        PyMem_Free(st->in_descr);
    }
    if (st->out_descr) {
        for (int k = 0; k < st->n_out; k++) Py_XDECREF(st->out_descr[k]);
        PyMem_Free(st->out_descr);
    }
    PyMem_Free(st->in_ndim);
    PyMem_Free(st->in_scalar);
    PyMem_Free(st->in_fixed);
    PyMem_Free(st->reduced);
    PyMem_Free(st->iparams);
    Py_XDECREF(st->acc_descr);
    Py_XDECREF(st->init);
    Py_XDECREF(st->fallback);
    Py_XDECREF(st->params);
}

/* the last parameter of every kernel step: per input axis, whether it may not stretch */
static int parse_fixed(Step *st, PyObject *params, int count) {
    int total = 0;
    for (int k = 0; k < st->n_in && k < count; k++) total += st->in_ndim[k];
    st->in_fixed = flag_array(PyTuple_GET_ITEM(params, PyTuple_GET_SIZE(params) - 1), total);
    return st->in_fixed == NULL ? -1 : 0;
}

/* kernel parameters: (loop, in_descrs, in_ndims, in_scalar, out_descrs, ndim, cost[, reduced,
   acc_descr, init, no_identity,
   fold_order], fixed) */
static int parse_kernel(Step *st, PyObject *params) {
    Py_ssize_t n = PyTuple_GET_SIZE(params);
    if (n < 8) {
        PyErr_SetString(PyExc_ValueError, "kernel step: too few parameters");
        return -1;
    }
    st->loop = (ag_loop_fn)address_of(PyTuple_GET_ITEM(params, 0));
    if (st->loop == NULL) return -1;
    int count;
    if ((st->in_descr = descr_array(PyTuple_GET_ITEM(params, 1), st->n_in)) == NULL) return -1;
    if (PyErr_Occurred()) return -1;
    if ((st->in_ndim = int_array(PyTuple_GET_ITEM(params, 2), &count, "ndims")) == NULL) return -1;
    if ((st->in_scalar = flag_array(PyTuple_GET_ITEM(params, 3), st->n_in)) == NULL) return -1;
    if (parse_fixed(st, params, count) < 0) return -1;
    if ((st->out_descr = descr_array(PyTuple_GET_ITEM(params, 4), st->n_out)) == NULL) return -1;
    if (PyErr_Occurred()) return -1;
    st->ndim = (int)PyLong_AsLong(PyTuple_GET_ITEM(params, 5));
    st->cost = PyFloat_AsDouble(PyTuple_GET_ITEM(params, 6));
    if (PyErr_Occurred()) return -1;
    if (st->ndim > NPY_MAXDIMS || st->ndim < 0) {
        PyErr_SetString(PyExc_ValueError, "kernel step: too many dimensions");
        return -1;
    }
    if (st->kind != K_REDUCE) return 0;
    if (n < 13) {
        PyErr_SetString(PyExc_ValueError, "reduction step: too few parameters");
        return -1;
    }
    if ((st->reduced = flag_array(PyTuple_GET_ITEM(params, 7), st->ndim)) == NULL) return -1;
    PyObject *acc = PyTuple_GET_ITEM(params, 8), *init = PyTuple_GET_ITEM(params, 9);
    PyObject *name = PyTuple_GET_ITEM(params, 10);
    if (!PyArray_DescrCheck(acc) || !PyArray_Check(init)) {
        PyErr_SetString(PyExc_TypeError, "reduction step: bad accumulator dtype or initial value");
        return -1;
    }
    Py_INCREF(acc);
    st->acc_descr = (PyArray_Descr *)acc;
    Py_INCREF(init);
    st->init = (PyArrayObject *)init;
    if (!PyArray_EquivTypes(PyArray_DESCR(st->init), st->acc_descr) || PyArray_SIZE(st->init) != 1) {
        PyErr_SetString(PyExc_ValueError, "reduction step: the initial value must be one accumulator element");
        return -1;
    }
    st->no_identity = name == Py_None ? NULL : PyUnicode_AsUTF8(name);
    if (PyErr_Occurred()) return -1;
    st->fold_order = (int)PyLong_AsLong(PyTuple_GET_ITEM(params, 11));
    if (PyErr_Occurred()) return -1;
    if (st->fold_order < 0 || (st->fold_order & ~(AG_FOLD_ROWS_ON_REQUEST | AG_FOLD_BLOCK_VALUES)) > AG_FOLD_SHORT_ROWS_FROM_ZERO) {
        PyErr_SetString(PyExc_ValueError, "reduction step: bad fold order");
        return -1;
    }
    return 0;
}

/* arg-reduction parameters: (argloop, in_descrs, in_ndims, in_scalar, (element_descr,), ndim,
   axis, name, fixed) */
static int parse_argreduce(Step *st, PyObject *params) {
    if (PyTuple_GET_SIZE(params) != 9) {
        PyErr_SetString(PyExc_ValueError, "argreduce step: expected 9 parameters");
        return -1;
    }
    st->argloop = (ag_argloop_fn)address_of(PyTuple_GET_ITEM(params, 0));
    if (st->argloop == NULL) return -1;
    int count;
    if ((st->in_descr = descr_array(PyTuple_GET_ITEM(params, 1), st->n_in)) == NULL) return -1;
    if (PyErr_Occurred()) return -1;
    if ((st->in_ndim = int_array(PyTuple_GET_ITEM(params, 2), &count, "ndims")) == NULL) return -1;
    if ((st->in_scalar = flag_array(PyTuple_GET_ITEM(params, 3), st->n_in)) == NULL) return -1;
    if (parse_fixed(st, params, count) < 0) return -1;
    PyObject *element = PySequence_GetItem(PyTuple_GET_ITEM(params, 4), 0);
    if (element == NULL) return -1;
    if (!PyArray_DescrCheck(element) || PyDataType_ELSIZE((PyArray_Descr *)element) > 16) {
        Py_DECREF(element);
        PyErr_SetString(PyExc_TypeError, "argreduce step: bad element dtype");
        return -1;
    }
    st->acc_descr = (PyArray_Descr *)element;
    st->ndim = (int)PyLong_AsLong(PyTuple_GET_ITEM(params, 5));
    st->axis = (int)PyLong_AsLong(PyTuple_GET_ITEM(params, 6));
    st->no_identity = PyUnicode_AsUTF8(PyTuple_GET_ITEM(params, 7));
    if (PyErr_Occurred()) return -1;
    if (st->ndim < 0 || st->ndim > NPY_MAXDIMS || st->axis >= st->ndim) {
        PyErr_SetString(PyExc_ValueError, "argreduce step: bad rank or axis");
        return -1;
    }
    return 0;
}

/* structural parameters: (ints, out_descr or None, axis) */
static int parse_structural(Step *st, PyObject *params) {
    if (PyTuple_GET_SIZE(params) != 3) {
        PyErr_SetString(PyExc_ValueError, "structural step: expected 3 parameters");
        return -1;
    }
    if ((st->iparams = intp_array(PyTuple_GET_ITEM(params, 0), &st->n_iparams)) == NULL) return -1;
    PyObject *descr = PyTuple_GET_ITEM(params, 1);
    if (descr != Py_None) {
        PyObject *descrs = PyTuple_Pack(1, descr);
        if (descrs == NULL) return -1;
        if (st->n_out != 1) {
            Py_DECREF(descrs);
            PyErr_SetString(PyExc_ValueError, "structural step: one output expected");
            return -1;
        }
        st->out_descr = descr_array(descrs, 1);
        Py_DECREF(descrs);
        if (st->out_descr == NULL || PyErr_Occurred()) return -1;
    }
    st->axis = (int)PyLong_AsLong(PyTuple_GET_ITEM(params, 2));
    if (PyErr_Occurred()) return -1;
    return 0;
}

/* (ints, dtype, axis) as for structural steps, the dtype shared by every output */
static int parse_lapack(Step *st, PyObject *params) {
    if (PyTuple_GET_SIZE(params) != 3 || PyTuple_GET_ITEM(params, 1) == Py_None) {
        PyErr_SetString(PyExc_ValueError, "LAPACK step: expected (ints, dtype, axis)");
        return -1;
    }
    if ((st->iparams = intp_array(PyTuple_GET_ITEM(params, 0), &st->n_iparams)) == NULL) return -1;
    PyObject *descr = PyTuple_GET_ITEM(params, 1);
    PyObject *descrs = st->n_out == 2 ? PyTuple_Pack(2, descr, descr) : PyTuple_Pack(1, descr);
    if (descrs == NULL) return -1;
    st->out_descr = descr_array(descrs, st->n_out);
    Py_DECREF(descrs);
    if (st->out_descr == NULL || PyErr_Occurred()) return -1;
    return 0;
}

static int needs_descr(int kind) {
    return kind == K_ALLOC || kind == K_DOT || kind == K_GEMM || kind == K_GEMV || kind == K_MAKE_VECTOR
        || kind == K_JOIN || kind == K_CUMULATIVE || kind == K_SOFTMAX || kind == K_MATMUL;
}

/* steps that hand the cases C does not handle (and every error) to the op's NumPy code */
static int needs_fallback(int kind) {
    return kind == K_DOT || kind == K_GEMM || kind == K_GEMV || kind >= K_CHECK;
}

static int parse_step(Step *st, PyObject *desc, int n_slots) {
    if (!PyTuple_Check(desc) || PyTuple_GET_SIZE(desc) != 7) {
        PyErr_SetString(PyExc_ValueError, "a step is (kind, ins, outs, frees, donors, fallback, params)");
        return -1;
    }
    st->kind = (int)PyLong_AsLong(PyTuple_GET_ITEM(desc, 0));
    if (PyErr_Occurred()) return -1;
    if (st->kind < 0 || st->kind >= K_COUNT) {
        PyErr_Format(PyExc_ValueError, "unknown step kind %d", st->kind);
        return -1;
    }
    if ((st->in = int_array(PyTuple_GET_ITEM(desc, 1), &st->n_in, "ins")) == NULL) return -1;
    if ((st->out = int_array(PyTuple_GET_ITEM(desc, 2), &st->n_out, "outs")) == NULL) return -1;
    if ((st->free = int_array(PyTuple_GET_ITEM(desc, 3), &st->n_free, "frees")) == NULL) return -1;
    if ((st->donors = int_array(PyTuple_GET_ITEM(desc, 4), &st->n_donors, "donors")) == NULL) return -1;
    int *lists[4] = {st->in, st->out, st->free, st->donors};
    int counts[4] = {st->n_in, st->n_out, st->n_free, st->n_donors};
    for (int l = 0; l < 4; l++)
        for (int i = 0; i < counts[l]; i++)
            if (lists[l][i] < 0 || lists[l][i] >= n_slots) {
                PyErr_Format(PyExc_ValueError, "slot %d out of range", lists[l][i]);
                return -1;
            }
    PyObject *fallback = PyTuple_GET_ITEM(desc, 5);
    if (fallback != Py_None) {
        Py_INCREF(fallback);
        st->fallback = fallback;
    }
    PyObject *params = PyTuple_GET_ITEM(desc, 6);
    Py_INCREF(params);
    st->params = params;
    switch (st->kind) {
    case K_PY:
        if (st->fallback == NULL) {
            PyErr_SetString(PyExc_ValueError, "a Python step needs its callable");
            return -1;
        }
        return 0;
    case K_ELEMWISE:
    case K_REDUCE:
        if (!PyTuple_Check(params)) break;
        if (st->kind == K_REDUCE && st->n_out != 1) break;
        return parse_kernel(st, params);
    case K_ARGREDUCE:
        if (!PyTuple_Check(params) || st->n_out != 1) break;
        return parse_argreduce(st, params);
    case K_LAPACK:
        if (!PyTuple_Check(params) || st->n_out < 1 || st->n_out > 2 || st->fallback == NULL) break;
        return parse_lapack(st, params);
    default:
        if (!PyTuple_Check(params) || (st->kind == K_SPLIT ? st->n_out < 1 : st->n_out != 1)) break;
        if (parse_structural(st, params) < 0) return -1;
        if (needs_descr(st->kind) && st->out_descr == NULL) break;
        if (needs_fallback(st->kind) && st->fallback == NULL) break;
        if (st->kind == K_INC_SUBTENSOR && (st->n_iparams < 3 || st->n_in < 2)) break;
        if (st->kind == K_SPLIT && st->n_in != 2) break;
        if (st->kind == K_TAKE && !(st->n_iparams == 2 && st->iparams[0] >= 0 && st->iparams[1] >= 1
                                    && st->n_in == 1 + st->iparams[1]))
            break;
        if (st->kind == K_TAKE_INC && !(st->n_iparams == 3 && st->iparams[1] >= 0 && st->iparams[2] >= 1
                                        && st->n_in == 2 + st->iparams[2]))
            break;
        if (st->kind == K_CHECK && st->n_in < 1) break;
        if (st->kind == K_DIAGONAL && (st->n_iparams != 3 || st->n_in != 1)) break;
        if (st->kind == K_CUMULATIVE && (st->n_iparams != 2 || st->n_in != 1)) break;
        if (st->kind == K_SOFTMAX && (st->n_iparams < 2 || st->n_in != 1)) break;
        if (st->kind == K_MATMUL && !(st->n_in == 2 && st->n_iparams >= 2 && st->iparams[0] >= 1
                                      && st->iparams[1] >= 1 && st->iparams[0] <= NPY_MAXDIMS
                                      && st->iparams[1] <= NPY_MAXDIMS
                                      && st->n_iparams == 2 + (st->iparams[0] > st->iparams[1]
                                                                   ? st->iparams[0] : st->iparams[1]) - 2))
            break;
        return 0;
    }
    PyErr_Format(PyExc_ValueError, "malformed parameters for a step of kind %d", st->kind);
    return -1;
}

/* --- the Program type ----------------------------------------------------------------- */

static PyObject *program_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames);

static void program_dealloc(ProgramObject *p) {
    if (p->steps) {
        for (int s = 0; s < p->n_steps; s++) free_step(&p->steps[s]);
        PyMem_Free(p->steps);
    }
    if (p->const_values) {
        for (int c = 0; c < p->n_consts; c++) Py_XDECREF(p->const_values[c]);
        PyMem_Free(p->const_values);
    }
    PyMem_Free(p->const_slots);
    PyMem_Free(p->outputs);
    PyMem_Free(p->recyclable);
    Py_XDECREF(p->keepalive);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

static PyObject *program_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    int n_slots, n_inputs, threads;
    PyObject *consts, *steps, *outputs, *recyclable, *keepalive;
    if (!PyArg_ParseTuple(args, "iiOOOOOi:Program", &n_slots, &n_inputs, &consts, &steps, &outputs,
                          &recyclable, &keepalive, &threads))
        return NULL;
    if (n_slots < 0 || n_inputs < 0 || n_inputs > n_slots) {
        PyErr_SetString(PyExc_ValueError, "Program: bad slot counts");
        return NULL;
    }
    ProgramObject *p = (ProgramObject *)type->tp_alloc(type, 0);
    if (p == NULL) return NULL;
    p->vectorcall = program_vectorcall;
    p->n_slots = n_slots;
    p->n_inputs = n_inputs;
    p->failed_step = -1;
    Py_INCREF(keepalive);
    p->keepalive = keepalive;

    PyObject *citems = PySequence_Fast(consts, "consts must be a sequence of (slot, value)");
    if (citems == NULL) goto fail;
    p->n_consts = (int)PySequence_Fast_GET_SIZE(citems);
    p->const_slots = PyMem_Calloc(p->n_consts + 1, sizeof(int));
    p->const_values = PyMem_Calloc(p->n_consts + 1, sizeof(PyObject *));
    if (p->const_slots == NULL || p->const_values == NULL) {
        Py_DECREF(citems);
        PyErr_NoMemory();
        goto fail;
    }
    for (int c = 0; c < p->n_consts; c++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(citems, c);
        int slot;
        PyObject *value;
        if (!PyArg_ParseTuple(pair, "iO", &slot, &value) || slot < n_inputs || slot >= n_slots) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "constant slot out of range");
            Py_DECREF(citems);
            goto fail;
        }
        p->const_slots[c] = slot;
        Py_INCREF(value);
        p->const_values[c] = value;
    }
    Py_DECREF(citems);

    PyObject *sitems = PySequence_Fast(steps, "steps must be a sequence");
    if (sitems == NULL) goto fail;
    p->n_steps = (int)PySequence_Fast_GET_SIZE(sitems);
    p->steps = PyMem_Calloc(p->n_steps + 1, sizeof(Step));
    if (p->steps == NULL) {
        Py_DECREF(sitems);
        PyErr_NoMemory();
        goto fail;
    }
    for (int s = 0; s < p->n_steps; s++) {
        if (parse_step(&p->steps[s], PySequence_Fast_GET_ITEM(sitems, s), n_slots) < 0) {
            Py_DECREF(sitems);
            goto fail;
        }
        p->steps[s].threads = threads < 1 ? 1 : threads;
    }
    Py_DECREF(sitems);

    if ((p->outputs = int_array(outputs, &p->n_outputs, "outputs must be a sequence")) == NULL) goto fail;
    for (int i = 0; i < p->n_outputs; i++)
        if (p->outputs[i] < 0 || p->outputs[i] >= n_slots) {
            PyErr_SetString(PyExc_ValueError, "output slot out of range");
            goto fail;
        }
    if ((p->recyclable = flag_array(recyclable, n_slots)) == NULL) goto fail;
    return (PyObject *)p;
fail:
    Py_DECREF(p);
    return NULL;
}

static void release_slot(ProgramObject *p, PyObject **slots, int s, Pool *pool) {
    PyObject *obj = slots[s];
    slots[s] = NULL;
    if (obj == NULL) return;
    if (p->recyclable[s] && reusable(obj)) pool_put(pool, obj);
    else Py_DECREF(obj);
}

static int run_step(Step *st, PyObject **slots, Pool *pool) {
    switch (st->kind) {
    case K_PY: return step_python(st, slots);
    case K_ELEMWISE: return step_elemwise(st, slots, pool);
    case K_REDUCE: return step_reduce(st, slots, pool);
    case K_ARGREDUCE: return step_argreduce(st, slots, pool);
    case K_DIMSHUFFLE: return step_dimshuffle(st, slots);
    case K_RESHAPE: return step_reshape(st, slots);
    case K_SUBTENSOR: return step_subtensor(st, slots);
    case K_SHAPE: return step_shape(st, slots);
    case K_SHAPE_I: return step_shape_i(st, slots);
    case K_ALLOC: return step_alloc(st, slots, pool);
    case K_SPECIFY_SHAPE: return step_specify_shape(st, slots);
    case K_DOT: return step_dot(st, slots, pool);
    case K_GEMM: return step_gemm(st, slots, pool);
    case K_GEMV: return step_gemv(st, slots, pool);
    case K_LAPACK: return step_lapack(st, slots, pool);
    case K_CHECK: return step_check(st, slots);
    case K_MAKE_VECTOR: return step_make_vector(st, slots, pool);
    case K_JOIN: return step_join(st, slots, pool);
    case K_SPLIT: return step_split(st, slots);
    case K_INC_SUBTENSOR: return step_inc_subtensor(st, slots, pool);
    case K_TAKE: return step_take(st, slots, pool);
    case K_TAKE_INC: return step_take_inc(st, slots, pool);
    case K_DIAGONAL: return step_diagonal(st, slots);
    case K_CUMULATIVE: return step_cumulative(st, slots, pool);
    case K_SOFTMAX: return step_softmax(st, slots, pool);
    case K_MATMUL: return step_matmul(st, slots, pool);
    }
    PyErr_SetString(PyExc_SystemError, "unknown step kind");
    return -1;
}

/* Set the program's constants in ``slots`` (its inputs are set) and run its steps, each value
   released after its last use.  -1 when a step raised: p->failed_step says which. */
static int run_schedule(ProgramObject *p, PyObject **slots, Pool *pool) {
    for (int c = 0; c < p->n_consts; c++) {
        Py_INCREF(p->const_values[c]);
        slots[p->const_slots[c]] = p->const_values[c];
    }
    p->failed_step = -1;
    for (int s = 0; s < p->n_steps; s++) {
        Step *st = &p->steps[s];
        if (run_step(st, slots, pool) < 0) {
            p->failed_step = s;
            return -1;
        }
        for (int f = 0; f < st->n_free; f++) release_slot(p, slots, st->free[f], pool);
    }
    return 0;
}

#define AG_STACK_SLOTS 128

static PyObject *program_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    ProgramObject *p = (ProgramObject *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
        PyErr_SetString(PyExc_TypeError, "a compiled program takes no keyword arguments");
        return NULL;
    }
    if (nargs != p->n_inputs) {
        PyErr_Format(PyExc_TypeError, "the program takes %d argument(s), got %zd", p->n_inputs, nargs);
        return NULL;
    }
    PyObject *stack[AG_STACK_SLOTS];
    PyObject **slots = stack;
    if (p->n_slots > AG_STACK_SLOTS) {
        slots = PyMem_Calloc(p->n_slots, sizeof(PyObject *));
        if (slots == NULL) return PyErr_NoMemory();
    } else {
        memset(stack, 0, sizeof(PyObject *) * p->n_slots);
    }
    for (int i = 0; i < p->n_inputs; i++) {
        Py_INCREF(args[i]);
        slots[i] = args[i];
    }
    Pool pool = {0};
    PyObject *result = NULL;
    if (run_schedule(p, slots, &pool) < 0) goto done;
    result = PyList_New(p->n_outputs);
    if (result == NULL) goto done;
    for (int i = 0; i < p->n_outputs; i++) {
        PyObject *value = slots[p->outputs[i]];
        if (value == NULL) {
            Py_CLEAR(result);
            PyErr_SetString(PyExc_SystemError, "a compiled program left an output unset");
            goto done;
        }
        Py_INCREF(value);
        PyList_SET_ITEM(result, i, value);
    }
done:
    for (int i = 0; i < p->n_slots; i++) Py_XDECREF(slots[i]);
    pool_clear(&pool);
    if (slots != stack) PyMem_Free(slots);
    return result;
}

static PyObject *program_call(PyObject *self, PyObject *args, PyObject *kwargs) {
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) > 0) {
        PyErr_SetString(PyExc_TypeError, "a compiled program takes no keyword arguments");
        return NULL;
    }
    return program_vectorcall(self, &PyTuple_GET_ITEM(args, 0), PyTuple_GET_SIZE(args), NULL);
}

static PyMemberDef program_members[] = {
    {"failed_step", T_INT, offsetof(ProgramObject, failed_step), 0,
     "index of the step that raised in the last failing call (-1: none)"},
    {"n_steps", T_INT, offsetof(ProgramObject, n_steps), READONLY, "number of steps"},
    {NULL}
};

static PyTypeObject ProgramType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arignote_runtime.Program",
    .tp_basicsize = sizeof(ProgramObject),
    .tp_dealloc = (destructor)program_dealloc,
    .tp_vectorcall_offset = offsetof(ProgramObject, vectorcall),
    .tp_call = program_call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Program(n_slots, n_inputs, consts, steps, outputs, recyclable, keepalive, threads): "
              "a compiled schedule; call it with the input arrays to get the list of outputs.",
    .tp_members = program_members,
    .tp_new = program_new,
};

/* --- module functions ------------------------------------------------------------------ */

static PyObject *mod_load_library(PyObject *self, PyObject *arg) {
    const char *path = PyUnicode_AsUTF8(arg);
    if (path == NULL) return NULL;
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();
        PyErr_Format(PyExc_OSError, "cannot load %s: %s", path, why ? why : "unknown error");
        return NULL;
    }
    return PyLong_FromVoidPtr(handle);
}

static PyObject *mod_symbol(PyObject *self, PyObject *args) {
    PyObject *handle_obj;
    const char *name;
    if (!PyArg_ParseTuple(args, "Os:symbol", &handle_obj, &name)) return NULL;
    void *handle = PyLong_AsVoidPtr(handle_obj);
    if (handle == NULL) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "null library handle");
        return NULL;
    }
    dlerror();
    void *address = dlsym(handle, name);
    if (address == NULL) {
        const char *why = dlerror();
        PyErr_Format(PyExc_OSError, "symbol %s not found: %s", name, why ? why : "null address");
        return NULL;
    }
    return PyLong_FromVoidPtr(address);
}

static void *capsule_pointer(PyObject *capsules, const char *name) {
    PyObject *cap = PyDict_GetItemString(capsules, name);
    if (cap == NULL || !PyCapsule_CheckExact(cap)) return NULL;
    return PyCapsule_GetPointer(cap, PyCapsule_GetName(cap));
}

static PyObject *mod_set_blas(PyObject *self, PyObject *capsules) {
    if (!PyDict_Check(capsules)) {
        PyErr_SetString(PyExc_TypeError, "set_blas expects a dict of capsules");
        return NULL;
    }
    const char *names[2] = {"s", "d"};
    for (int i = 0; i < 2; i++) {
        char gemm[8], gemv[8], dot[8];
        snprintf(gemm, sizeof(gemm), "%sgemm", names[i]);
        snprintf(gemv, sizeof(gemv), "%sgemv", names[i]);
        snprintf(dot, sizeof(dot), "%sdot", names[i]);
        void *pm = capsule_pointer(capsules, gemm), *pv = capsule_pointer(capsules, gemv);
        void *pd = capsule_pointer(capsules, dot);
        if (PyErr_Occurred()) return NULL;
        if (pm && pv && pd) {
            blas_gemm[i] = (gemm_fn)pm;
            blas_gemv[i] = (gemv_fn)pv;
            blas_dot[i] = pd;
        }
    }
    Py_RETURN_NONE;
}

static PyObject *mod_set_lapack(PyObject *self, PyObject *capsules) {
    if (!PyDict_Check(capsules)) {
        PyErr_SetString(PyExc_TypeError, "set_lapack expects a dict of capsules");
        return NULL;
    }
    const char *names[2] = {"s", "d"};
    for (int i = 0; i < 2; i++) {
        const char *routines[7] = {"potrf", "potrs", "getrf", "getrs", "trsm", "trsv", "potri"};
        void *found[7];
        for (int r = 0; r < 7; r++) {
            char name[16];
            snprintf(name, sizeof(name), "%s%s", names[i], routines[r]);
            found[r] = capsule_pointer(capsules, name);
        }
        if (PyErr_Occurred()) return NULL;
        lapack_install(i, found[0], found[1], found[2], found[3], found[4], found[5], found[6]);
    }
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"load_library", mod_load_library, METH_O, "dlopen a shared object; returns its handle"},
    {"symbol", mod_symbol, METH_VARARGS, "the address of a symbol in a loaded library"},
    {"set_blas", mod_set_blas, METH_O, "install BLAS routines from SciPy's cython_blas capsules"},
    {"set_lapack", mod_set_lapack, METH_O,
     "install LAPACK routines (and trsm, trsv) from SciPy's cython_lapack and cython_blas capsules"},
    {"run_loop", mod_run_loop, METH_VARARGS,
     "run_loop(body, n, seqs, inits, consts, keep, labels, until): a loop around a compiled body"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef runtime_module = {
    PyModuleDef_HEAD_INIT, "arignote_runtime", "The arignote C runtime (compiled schedules).", -1,
    module_methods
};

PyMODINIT_FUNC PyInit_arignote_runtime(void) {
    import_array();
    if (PyType_Ready(&ProgramType) < 0) return NULL;
    PyObject *m = PyModule_Create(&runtime_module);
    if (m == NULL) return NULL;
    Py_INCREF(&ProgramType);
    if (PyModule_AddObject(m, "Program", (PyObject *)&ProgramType) < 0) {
        Py_DECREF(&ProgramType);
        Py_DECREF(m);
        return NULL;
    }
    static const char *kinds[K_COUNT] = {
        "PY", "ELEMWISE", "REDUCE", "ARGREDUCE", "DIMSHUFFLE", "RESHAPE", "SUBTENSOR", "SHAPE",
        "SHAPE_I", "ALLOC", "SPECIFY_SHAPE", "DOT", "GEMM", "GEMV", "LAPACK", "CHECK", "MAKE_VECTOR",
        "JOIN", "SPLIT", "INC_SUBTENSOR", "TAKE", "TAKE_INC", "DIAGONAL", "CUMULATIVE", "SOFTMAX",
        "MATMUL"};
    for (int k = 0; k < K_COUNT; k++)
        if (PyModule_AddIntConstant(m, kinds[k], k) < 0) return NULL;
    if (PyModule_AddIntConstant(m, "ABI", 2) < 0) return NULL;
#ifdef AG_SOURCE_HASH
    /* set by setup.py when it builds this module at install: the hash of the sources it
       compiled, so that arignote uses that module only while the sources are unchanged */
    if (PyModule_AddStringConstant(m, "SOURCE_HASH", AG_SOURCE_HASH) < 0) return NULL;
#endif
    pthread_atfork(NULL, NULL, after_fork_in_child);
    return m;
}
