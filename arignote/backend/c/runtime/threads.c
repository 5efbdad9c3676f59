/* Splitting large loops across cores.
 *
 * A loop whose work (elements times the kernel's cost estimate) exceeds
 * AG_PARALLEL_WORK is cut along the first axis of its iteration space into
 * one range per thread: the calling thread runs the first range, persistent
 * workers the others.  Cutting along the first axis is safe for reductions
 * too, as long as that axis is not reduced (the caller says so): then two
 * ranges never write the same output element.  The GIL is released while
 * large loops run, and one call at a time uses the workers; a concurrent
 * call simply runs on its own thread.  After fork() the child starts
 * without workers and creates new ones when needed.
 */

#define AG_PARALLEL_WORK 400000.0   /* ~100 us of single-core work: worth a thread hand-off */
#define AG_RELEASE_GIL_WORK 20000.0

typedef struct {
    const Iter *it;
    npy_intp begin, end;
    int rc;
} Task;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t pool_user = PTHREAD_MUTEX_INITIALIZER;   /* held by the call using the workers */
static int started_workers = 0;
static unsigned long generation = 0;    /* bumped when a new batch of tasks is posted */
static int pending = 0;                 /* tasks of the current batch not finished yet */
static Task tasks[AG_MAXTHREADS];

static void *worker_main(void *arg) {
    int id = (int)(intptr_t)arg;        /* runs tasks[id]; tasks[0] is the caller's */
    unsigned long seen = 0;
    pthread_mutex_lock(&pool_lock);
    for (;;) {
        while (generation == seen)
            pthread_cond_wait(&pool_wake, &pool_lock);
        seen = generation;
        Task *task = &tasks[id];
        if (task->it == NULL) continue;  /* not part of this batch */
        pthread_mutex_unlock(&pool_lock);
        task->rc = iter_range(task->it, task->begin, task->end);
        pthread_mutex_lock(&pool_lock);
        task->it = NULL;
        if (--pending == 0) pthread_cond_signal(&pool_done);
    }
    return NULL;
}

static void after_fork_in_child(void) {
    /* the workers did not survive the fork; the locks may be held by them */
    pthread_mutex_init(&pool_lock, NULL);
    pthread_mutex_init(&pool_user, NULL);
    pthread_cond_init(&pool_wake, NULL);
    pthread_cond_init(&pool_done, NULL);
    started_workers = 0;
    pending = 0;
    generation = 0;
    memset(tasks, 0, sizeof(tasks));
}

/* start workers 1..n-1 if needed; returns how many threads may run (>= 1) */
static int ensure_workers(int n) {
    while (started_workers < n - 1) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attr, worker_main, (void *)(intptr_t)(started_workers + 1));
        pthread_attr_destroy(&attr);
        if (failed) break;
        started_workers++;
    }
    return started_workers + 1 < n ? started_workers + 1 : n;
}

static int run_split(const Iter *it, int n_threads) {
    npy_intp units = it->shape[0];
    int n = n_threads;
    if ((npy_intp)n > units) n = (int)units;
    pthread_mutex_lock(&pool_lock);
    n = ensure_workers(n);
    if (n < 2) {
        pthread_mutex_unlock(&pool_lock);
        return iter_range(it, 0, units);
    }
    for (int t = 0; t < n; t++) {
        tasks[t].it = it;
        tasks[t].begin = units * t / n;
        tasks[t].end = units * (t + 1) / n;
        tasks[t].rc = 0;
    }
    for (int t = n; t < AG_MAXTHREADS; t++) tasks[t].it = NULL;
    pending = n - 1;
    generation++;
    pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);

    int rc = iter_range(it, tasks[0].begin, tasks[0].end);

    pthread_mutex_lock(&pool_lock);
    while (pending > 0)
        pthread_cond_wait(&pool_done, &pool_lock);
    for (int t = 1; t < n; t++)
        if (rc == 0) rc = tasks[t].rc;
    pthread_mutex_unlock(&pool_lock);
    return rc;
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
    Py_BEGIN_ALLOW_THREADS
    if (threads > AG_MAXTHREADS) threads = AG_MAXTHREADS;
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
