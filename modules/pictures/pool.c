/* Decoding and resizing on every core: the images of a batch are shared out to a few
 * threads, each taking the next one, so memory holds one decoded image per thread.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <pthread.h>
#include <stdatomic.h>
#include "pictures.h"

typedef struct {
    pic_job *jobs;
    size_t n;
    long maxpixels;
    atomic_size_t next;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    size_t i;
    while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
        img_process(p->jobs[i].data, p->jobs[i].len, p->maxpixels, p->jobs[i].res);
    return NULL;
}

void pic_run_jobs(pic_job *jobs, size_t n, long maxpixels, int threads)
{
    pool p = { .jobs = jobs, .n = n, .maxpixels = maxpixels };
    atomic_init(&p.next, 0);
    if (threads > (int)n)
        threads = (int)n;
    enum { MAXT = 64 };
    pthread_t t[MAXT];
    int started = 0;
    /* The calling thread works too: n threads in all, n - 1 started. */
    for (int k = 1; k < threads && k < MAXT; k++)
        if (pthread_create(&t[started], NULL, worker, &p) == 0)
            started++;
    worker(&p);
    for (int k = 0; k < started; k++)
        pthread_join(t[k], NULL);
}
