/* The arignote C runtime: one CPython extension module that runs compiled schedules.
 *
 * A schedule (built in Python by arignote/backend/c/schedule.py) is a list of
 * steps over numbered *slots*, one slot per value: the program inputs first,
 * then constants, then the values the steps compute.  A call stores its
 * arguments in a fresh slot array (so concurrent calls never share state),
 * runs every step, releases each value after its last use, and returns the
 * output slots as a list.
 *
 * Steps are either generated kernels (elementwise loops, reductions), which
 * this runtime feeds with broadcast shapes and strides, built-in C
 * implementations of cheap structural ops (views, shapes, BLAS products), or
 * Python callables: an op's NumPy implementation.  Every step checks the
 * dtype, rank and shape of what it reads before touching memory, and raises
 * a Python exception naming what was wrong; the Python side adds the op and
 * the user line (Program.failed_step says which step failed).
 *
 * The sources are concatenated in this order and compiled as one unit:
 * runtime.h, threads.c, iterate.c, steps_kernels.c, steps_views.c,
 * steps_structural.c, steps_gather.c, steps_axis.c, steps_blas.c, steps_matmul.c, steps_lapack.c,
 * steps_loop.c, program.c.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#ifndef NPY_2_0_API_VERSION   /* NumPy 1.x headers: the field is public */
#define PyDataType_ELSIZE(descr) ((descr)->elsize)
#endif

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define AG_MAXTHREADS 64
#define AG_POOL 8             /* dead buffers kept for reuse within one call */

/* a generated elementwise or reduction inner loop: n elements, one pointer and
   one byte stride per operand (inputs, then outputs); returns 0 or an AG_ERR_ code */
typedef int (*ag_loop_fn)(npy_intp n, char **ptrs, const npy_intp *steps);
/* a generated arg-reduction: scans one line of n elements (one pointer and stride per
   input), updating the running extreme *best (of the element dtype) and its index
   *best_index (-1: none yet; element i is offset + i); returns 1 after a NaN (final) */
typedef int (*ag_argloop_fn)(npy_intp n, char **ptrs, const npy_intp *steps, char *best,
                             int64_t *best_index, int64_t offset);
/* a generated reduction's combine: dst = dst (op) src, for one accumulator element */
typedef void (*ag_combine_fn)(char *dst, const char *src);

/* K_REDUCE fold orders (kernel_reduce_ordered.row_fold_order): a row's fold is the kernel's
   own (AG_FOLD_ANY); one value at a time from the accumulator's value (AG_FOLD_IN_ORDER); or,
   for a row of fewer than AG_SHORT_FOLD values, in order from +0.0, then added to the
   accumulator, whose initial value is +0.0 (AG_FOLD_SHORT_ROWS_FROM_ZERO); one of these, and
   the AG_FOLD_ROWS_ON_REQUEST and AG_FOLD_BLOCK_VALUES flags */
enum { AG_FOLD_ANY = 0, AG_FOLD_IN_ORDER = 1, AG_FOLD_SHORT_ROWS_FROM_ZERO = 2,
       AG_FOLD_ROWS_ON_REQUEST = 4 /* flag: called with -n, the kernel folds the row one value
                                      at a time from the accumulator (Iter.fold_rows) */,
       AG_FOLD_BLOCK_VALUES = 8     /* flag: values come in blocks (vector math), so a short
                                       call costs as much as a long one */ };
/* a kernel folding columns on request gets them when at most this many accumulator elements
   share a row (an in-order fold is one dependent chain per column: wider rows run faster
   as calls per row), or when AG_FOLD_BLOCK_VALUES and the row is short (AG_SHORT_ROW) */
#define AG_FOLD_COLUMNS 4
#define AG_SHORT_FOLD 8

/* error codes a generated loop may return */
#define AG_ERR_NEGATIVE_POWER 1

enum ag_kind {
    K_PY = 0, K_ELEMWISE, K_REDUCE, K_ARGREDUCE, K_DIMSHUFFLE, K_RESHAPE, K_SUBTENSOR,
    K_SHAPE, K_SHAPE_I, K_ALLOC, K_SPECIFY_SHAPE, K_DOT, K_GEMM, K_GEMV, K_LAPACK,
    K_CHECK, K_MAKE_VECTOR, K_JOIN, K_SPLIT, K_INC_SUBTENSOR, K_TAKE, K_TAKE_INC, K_DIAGONAL,
    K_CUMULATIVE, K_SOFTMAX, K_MATMUL, K_COUNT
};

/* slice and index entries of a Subtensor, as encoded by the Python side */
enum ag_entry { E_INT = 0, E_SYMBOLIC = 1, E_SLICE = 2, E_NEWAXIS = 3 };
enum ag_part { P_NONE = 0, P_CONST = 1, P_SYMBOLIC = 2 };

typedef struct {
    int kind;
    int n_in, n_out, n_free, n_donors;
    int *in, *out, *free, *donors;      /* slot numbers */
    PyObject *fallback;                 /* the op's NumPy implementation, or NULL */
    PyObject *params;                   /* the Python tuple the fields below came from */

    /* kernels (elementwise, reductions) */
    ag_loop_fn loop;
    ag_argloop_fn argloop;
    ag_combine_fn combine;
    PyArray_Descr **in_descr;           /* expected input dtypes */
    int *in_ndim;                       /* expected input ranks */
    unsigned char *in_scalar;           /* inputs the loop reads once (static size 1) */
    unsigned char *in_fixed;            /* per input axis (inputs' axes in a row): 1 unless the
                                           static length is 1, i.e. the axis may not stretch */
    PyArray_Descr **out_descr;
    int ndim;                           /* rank of the iteration space */
    double cost;                        /* work per element, for splitting across threads */
    int threads;                        /* threads this step's loops may use */
    unsigned char *reduced;             /* K_REDUCE: reduced axes of the iteration space */
    PyArray_Descr *acc_descr;           /* K_REDUCE: accumulator dtype; K_ARGREDUCE: element dtype */
    PyArrayObject *init;                /* K_REDUCE: 0-d initial value, accumulator dtype */
    const char *no_identity;            /* K_REDUCE: ufunc name when empty reductions fail */
    int fold_order;                     /* K_REDUCE: how the kernel folds a row into one
                                           accumulator (AG_FOLD_*), for iter_run's reordering */
    int axis;                           /* K_ARGREDUCE, K_SHAPE_I, K_JOIN, K_SPLIT: axis
                                           (-1: flattened) */
    /* K_ARGREDUCE's name ("argmax") is kept in no_identity */

    /* structural ops */
    int n_iparams;
    npy_intp *iparams;                  /* dimshuffle order, subtensor entries, shapes, ... */
} Step;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    int n_slots, n_inputs, n_steps, n_outputs, n_consts;
    Step *steps;
    int *outputs;
    int *const_slots;
    PyObject **const_values;
    unsigned char *recyclable;          /* per slot: its buffer may be reused once it dies */
    int failed_step;                    /* step that raised in the last failing call, or -1 */
    PyObject *keepalive;                /* libraries and callables the steps point into */
} ProgramObject;

/* buffers of dead values, reused for outputs of the same dtype and shape */
typedef struct {
    int n;
    PyArrayObject *arrays[AG_POOL];
} Pool;

/* an iteration space prepared for a loop: collapsed shape and per-operand strides.
   Kernels take any number of operands, so the per-operand arrays live in the
   caller's frame (variable-length arrays): base[nops], strides[nops * ndcap]. */
typedef struct {
    ag_loop_fn loop;
    int nops, nd, ndcap;
    npy_intp shape[NPY_MAXDIMS];
    char **base;
    npy_intp *strides;
    int fold_rows;      /* the loop is called with -n: a reduction kernel folding each row
                           one value at a time from its accumulator (AG_FOLD_ROWS_ON_REQUEST) */
} Iter;
#define IT_STRIDE(it, k, d) ((it)->strides[(size_t)(k) * (it)->ndcap + (d)])

/* threads.c */
static int ag_run_iter(const Iter *it, double cost, int splittable, int threads);

/* iterate.c */
static int iter_range(const Iter *it, npy_intp begin, npy_intp end);
static void iter_collapse(Iter *it);
static PyArrayObject *pool_take(Pool *pool, PyArray_Descr *descr, int nd, const npy_intp *shape);
static void pool_clear(Pool *pool);
static PyArrayObject *new_array(Pool *pool, PyArray_Descr *descr, int nd, const npy_intp *shape);
static PyArrayObject *checked_input(PyObject *obj, PyArray_Descr *want, int ndim, int position);
static int raise_loop_error(int code);
static int broadcast_shape(PyArrayObject **arrays, int n, int nd, npy_intp *shape);
static int check_no_stretch(PyArrayObject **arrays, int n, int nd, const npy_intp *shape,
                            const unsigned char *fixed);
static int read_int(PyObject *obj, const char *what, npy_intp *value);

/* steps_*.c */
static int step_elemwise(Step *st, PyObject **slots, Pool *pool);
static int step_reduce(Step *st, PyObject **slots, Pool *pool);
static int step_argreduce(Step *st, PyObject **slots, Pool *pool);
static int step_dimshuffle(Step *st, PyObject **slots);
static int step_reshape(Step *st, PyObject **slots);
static int step_subtensor(Step *st, PyObject **slots);
static int step_shape(Step *st, PyObject **slots);
static int step_shape_i(Step *st, PyObject **slots);
static int step_alloc(Step *st, PyObject **slots, Pool *pool);
static int step_specify_shape(Step *st, PyObject **slots);
static int step_dot(Step *st, PyObject **slots, Pool *pool);
static int step_gemm(Step *st, PyObject **slots, Pool *pool);
static int step_gemv(Step *st, PyObject **slots, Pool *pool);
static int step_python(Step *st, PyObject **slots);
static int step_check(Step *st, PyObject **slots);
static int step_make_vector(Step *st, PyObject **slots, Pool *pool);
static int step_join(Step *st, PyObject **slots, Pool *pool);
static int step_split(Step *st, PyObject **slots);
static int step_inc_subtensor(Step *st, PyObject **slots, Pool *pool);
static int step_take(Step *st, PyObject **slots, Pool *pool);
static int step_take_inc(Step *st, PyObject **slots, Pool *pool);
static int step_diagonal(Step *st, PyObject **slots);
static int step_cumulative(Step *st, PyObject **slots, Pool *pool);
static int step_softmax(Step *st, PyObject **slots, Pool *pool);
static int step_matmul(Step *st, PyObject **slots, Pool *pool);

/* program.c, used by the loop driver (steps_loop.c) */
static PyTypeObject ProgramType;
static int run_schedule(ProgramObject *p, PyObject **slots, Pool *pool);

/* helpers shared by the steps */
static void fmt_shape(char *buf, size_t size, int nd, const npy_intp *shape);
