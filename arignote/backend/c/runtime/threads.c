/* Splitting large loops across cores.
 *
 * A loop whose work (elements times the kernel's cost estimate) exceeds
 * AG_PARALLEL_WORK is cut along the first axis of its iteration space into
 * chunks, about AG_CHUNKS_PER_THREAD per thread, which the calling thread
 * and persistent workers take from a shared counter.  A worker that is slow
 * to wake (the machine's other cores are busy) therefore only takes the
 * chunks nobody has started, and the caller never waits for more than the
 * chunk a worker is running.  Cutting along the first axis is safe for
 * reductions too, as long as that axis is not reduced (the caller says so):
 * then two chunks never write the same output element.
 *
 * The GIL is released while large loops run; one call at a time uses the
 * workers, and a concurrent call simply runs on its own thread.  After
 * fork() the child starts without workers and creates new ones when needed.
 */

#include <stdatomic.h>

#define AG_PARALLEL_WORK 400000.0   /* ~100 us of single-core work: worth a thread hand-off */
#define AG_RELEASE_GIL_WORK 20000.0
#define AG_CHUNKS_PER_THREAD 8
#define AG_CHUNK_ALIGN 64

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_idle = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t pool_user = PTHREAD_MUTEX_INITIALIZER;   /* held by the call using the workers */
static int started_workers = 0;

/* the current batch (guarded by pool_lock, except the atomics) */
static unsigned long generation = 0;
static int batch_open = 0;              /* workers may still join the batch */
static int active = 0;                  /* workers inside the batch */
static const Iter *batch_iter;
static npy_intp batch_units, batch_chunk;
static atomic_long next_unit;
static atomic_int batch_rc;

/* run chunks of the current batch until none is left */
static void take_chunks(const Iter *it) {
    for (;;) {
        npy_intp begin = (npy_intp)atomic_fetch_add(&next_unit, (long)batch_chunk);
        if (begin >= batch_units) return;
        npy_intp end = begin + batch_chunk < batch_units ? begin + batch_chunk : batch_units;
        int rc = iter_range(it, begin, end);
        if (rc) {
            int expected = 0;
            atomic_compare_exchange_strong(&batch_rc, &expected, rc);
            atomic_store(&next_unit, (long)batch_units);  /* stop handing out chunks */
        }
    }
}

static void *worker_main(void *arg) {
    (void)arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool_lock);
    for (;;) {
        while (generation == seen || !batch_open) {
            if (generation != seen) seen = generation;  /* a batch that closed before we woke */
            pthread_cond_wait(&pool_wake, &pool_lock);
        }
        seen = generation;
        const Iter *it = batch_iter;
        active++;
        pthread_mutex_unlock(&pool_lock);
        take_chunks(it);
        pthread_mutex_lock(&pool_lock);
        if (--active == 0) pthread_cond_signal(&pool_idle);
    }
    return NULL;
}

static void after_fork_in_child(void) {
    /* the workers did not survive the fork; the locks may be held by them */
    pthread_mutex_init(&pool_lock, NULL);
    pthread_mutex_init(&pool_user, NULL);
    pthread_cond_init(&pool_wake, NULL);
    pthread_cond_init(&pool_idle, NULL);
    started_workers = 0;
    batch_open = 0;
    active = 0;
    generation = 0;
}

/* start workers until n - 1 exist; returns how many threads may run (>= 1) */
static int ensure_workers(int n) {
    while (started_workers < n - 1) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attr, worker_main, NULL);
        pthread_attr_destroy(&attr);
        if (failed) break;
        started_workers++;
    }
    return started_workers + 1 < n ? started_workers + 1 : n;
}

static int run_split(const Iter *it, int n_threads) {
    const npy_intp units = it->shape[0];
    pthread_mutex_lock(&pool_lock);
    int n = ensure_workers(n_threads);
    if (n < 2) {
        pthread_mutex_unlock(&pool_lock);
        return iter_range(it, 0, units);
    }
    npy_intp chunk = units / ((npy_intp)n * AG_CHUNKS_PER_THREAD);
    if (it->nd == 1) {
        /* chunks of a 1-d loop start at multiples of AG_CHUNK_ALIGN elements, so every
           element falls in the vectorized part or the scalar tail of a loop exactly as
           without threads: vector and scalar math may differ in the last bit */
        chunk = (chunk + AG_CHUNK_ALIGN - 1) / AG_CHUNK_ALIGN * AG_CHUNK_ALIGN;
    }
    batch_iter = it;
    batch_units = units;
    batch_chunk = chunk > 0 ? chunk : 1;
    atomic_store(&next_unit, 0);
    atomic_store(&batch_rc, 0);
    batch_open = 1;
    generation++;
    pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);

    take_chunks(it);

    pthread_mutex_lock(&pool_lock);
    batch_open = 0;             /* late workers do not join any more */
    while (active > 0)          /* wait only for chunks already running */
        pthread_cond_wait(&pool_idle, &pool_lock);
    pthread_mutex_unlock(&pool_lock);
    return atomic_load(&batch_rc);
}

/* run the whole iteration space of ``it``; ``splittable``: the first axis may be cut */
static int ag_run_iter(const Iter *it, double cost, int splittable, int threads) {
    npy_intp total = 1;
    for (int d = 0; d < it->nd; d++) total *= it->shape[d];
    if (total == 0) return 0;
    double work = (double)total * cost;
    if (work < AG_RELEASE_GIL_WORK)
        return iter_range(it, 0, it->shape[0]);
    int rc;
    if (threads > AG_MAXTHREADS) threads = AG_MAXTHREADS;
    Py_BEGIN_ALLOW_THREADS
    if (splittable && threads > 1 && work >= AG_PARALLEL_WORK && it->shape[0] > 1
            && pthread_mutex_trylock(&pool_user) == 0) {
        rc = run_split(it, threads);
        pthread_mutex_unlock(&pool_user);
    } else {
        rc = iter_range(it, 0, it->shape[0]);
    }
    Py_END_ALLOW_THREADS
    return rc;
}
