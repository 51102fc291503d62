/* Decoding and resizing on every core, beside the storing: the images of a batch go to
 * a few threads, each taking the next one, while the rows store the pictures already
 * made; a row waits only for its own image.  Memory holds one decoded image per thread
 * and the batch's encoded bytes.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Before, the rows waited for the whole batch to be decoded, and one core stood idle
 * while they stored it: the writes (files, rows, filedir) now overlap the decoding.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "pictures.h"

#define MAXT 64

struct pic_pool {
    pic_job *jobs;              /* with their own copy of the bytes                     */
    unsigned char *ready;       /* per job, under mu                                    */
    size_t n, next;             /* next: the next job a thread takes, under mu          */
    long maxpixels;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t t[MAXT];
    int started;
};

static void *worker(void *arg)
{
    pic_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next < p->n ? p->next++ : p->n;
        pthread_mutex_unlock(&p->mu);
        if (i == p->n)
            return NULL;
        img_process(p->jobs[i].data, p->jobs[i].len, p->maxpixels, p->jobs[i].res);
        pthread_mutex_lock(&p->mu);
        p->ready[i] = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

/* The bytes are copied: a row that never asks for its image (its user went missing
 * meanwhile) ends the batch, whose entries the core then frees, before the thread
 * working on it is done. */
pic_pool *pic_pool_start(const pic_job *jobs, size_t n, long maxpixels, int threads)
{
    pic_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->jobs = calloc(n ? n : 1, sizeof *p->jobs);
    p->ready = calloc(n ? n : 1, 1);
    p->n = n;
    p->maxpixels = maxpixels;
    int ok = p->jobs && p->ready;
    for (size_t i = 0; i < n && ok; i++) {
        unsigned char *copy = malloc(jobs[i].len ? jobs[i].len : 1);
        if (!copy) {
            ok = 0;
            break;
        }
        memcpy(copy, jobs[i].data, jobs[i].len);
        p->jobs[i] = (pic_job){ copy, jobs[i].len, jobs[i].res };
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (threads > (int)n)
        threads = (int)n;
    for (int k = 0; ok && k < threads && k < MAXT; k++)
        if (pthread_create(&p->t[p->started], NULL, worker, p) == 0)
            p->started++;
    if (!ok || (n > 0 && p->started == 0)) {
        pic_pool_finish(p);
        return NULL;
    }
    return p;
}

void pic_pool_wait(pic_pool *p, const pic_result *res)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        if (p->jobs[i].res != res)
            continue;
        pthread_mutex_lock(&p->mu);
        while (!p->ready[i])
            pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
        return;
    }
}

void pic_pool_finish(pic_pool *p)
{
    if (!p)
        return;
    for (int k = 0; k < p->started; k++)
        pthread_join(p->t[k], NULL);
    for (size_t i = 0; p->jobs && i < p->n; i++)
        free((void *)p->jobs[i].data);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->jobs);
    free(p->ready);
    free(p);
}
