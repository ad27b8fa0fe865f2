/* SPDX-License-Identifier: MIT */
/*
 * queue.c: a bounded multi-producer, multi-consumer FIFO of pointers (a ring under one mutex
 * with two condition variables). The bound is what turns overload into a 503 instead of
 * unbounded memory. No I/O.
 *
 * Handoffs cost more than the work here (a wake-up is a futex call and a context switch, and
 * a callback that only counts takes far less): producers signal only a consumer that sleeps,
 * consumers take batches, and a consumer that has just emptied the queue may linger a
 * moment (pop_batch's linger_ms) before it sleeps: producers do not wake a lingering
 * consumer, so under load it wakes once per linger, by its timer, for everything that
 * arrived meanwhile, instead of once per event.
 */
#include "queue_int.h"
#include "util_int.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* A lingering consumer is woken anyway once this many items wait (or a quarter of the
 * queue, when smaller), so that a burst neither waits out the linger nor fills the queue. */
#define LINGER_WAKE_AT 256u

struct loopmsg__queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty; /* consumers wait here */
    pthread_cond_t changed;   /* push_wait and wait_idle wait here */
    void **items;
    size_t capacity, head, count;
    size_t reserved;  /* slots promised to producers, not yet pushed */
    size_t active;    /* popped, not yet task_done */
    size_t waiting;   /* consumers asleep in pop until signalled */
    size_t lingering; /* consumers in a timed wait after emptying the queue */
    size_t wake_at;   /* items that end a linger early */
    int closed;
};

loopmsg__queue *loopmsg__queue_new(size_t capacity)
{
    loopmsg__queue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->items = calloc(capacity ? capacity : 1, sizeof *q->items);
    if (!q->items) {
        free(q);
        return NULL;
    }
    q->capacity = capacity ? capacity : 1;
    q->wake_at = q->capacity / 4 < LINGER_WAKE_AT ? q->capacity / 4 : LINGER_WAKE_AT;
    if (!q->wake_at)
        q->wake_at = 1;
    pthread_mutex_init(&q->lock, NULL);
    loopmsg__cond_init_mono(&q->not_empty); /* linger deadlines */
    pthread_cond_init(&q->changed, NULL);
    return q;
}

void loopmsg__queue_free(loopmsg__queue *q)
{
    if (!q)
        return;
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->changed);
    free(q->items);
    free(q);
}

int loopmsg__queue_reserve(loopmsg__queue *q)
{
    pthread_mutex_lock(&q->lock);
    int rc = -1;
    if (!q->closed && q->count + q->reserved < q->capacity) {
        q->reserved++;
        rc = 0;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

void loopmsg__queue_unreserve(loopmsg__queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->reserved--;
    pthread_cond_broadcast(&q->changed);
    if (q->closed)
        pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

static void put(loopmsg__queue *q, void *item)
{
    q->items[(q->head + q->count) % q->capacity] = item;
    q->count++;
    /* Signal only a consumer that sleeps: under load the workers are busy or lingering,
     * and the producers then skip the futex call. */
    if (q->waiting || (q->lingering && q->count >= q->wake_at))
        pthread_cond_signal(&q->not_empty);
}

void loopmsg__queue_push_reserved(loopmsg__queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    q->reserved--;
    put(q, item);
    pthread_mutex_unlock(&q->lock);
}

int loopmsg__queue_push_wait(loopmsg__queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->count + q->reserved >= q->capacity)
        pthread_cond_wait(&q->changed, &q->lock);
    int rc = -1;
    if (!q->closed) {
        put(q, item);
        rc = 0;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

size_t loopmsg__queue_pop_many(loopmsg__queue *q, void **items, size_t max, size_t consumers)
{
    return loopmsg__queue_pop_batch(q, items, max, consumers, 0);
}

size_t loopmsg__queue_pop_batch(loopmsg__queue *q, void **items, size_t max, size_t consumers,
                                unsigned int linger_ms)
{
    pthread_mutex_lock(&q->lock);
    bool linger = linger_ms > 0;
    /* After close, wait for producers that still hold a reservation: they will push. */
    while (q->count == 0 && (!q->closed || q->reserved > 0)) {
        if (linger) {
            /* Once per call: if nothing came by the deadline, the queue is quiet and the
             * consumer sleeps until signalled. */
            linger = false;
            struct timespec ts;
            loopmsg__mono_deadline(&ts, linger_ms);
            q->lingering++;
            pthread_cond_timedwait(&q->not_empty, &q->lock, &ts);
            q->lingering--;
            continue;
        }
        q->waiting++;
        pthread_cond_wait(&q->not_empty, &q->lock);
        q->waiting--;
    }
    size_t share = consumers > 1 ? (q->count + consumers - 1) / consumers : q->count;
    if (share < max)
        max = share ? share : 1;
    size_t n = 0;
    while (n < max && q->count) {
        items[n++] = q->items[q->head];
        q->head = (q->head + 1) % q->capacity;
        q->count--;
    }
    q->active += n;
    if (n)
        pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
    return n;
}

void *loopmsg__queue_pop(loopmsg__queue *q)
{
    void *item = NULL;
    return loopmsg__queue_pop_many(q, &item, 1, 1) ? item : NULL;
}

void loopmsg__queue_tasks_done(loopmsg__queue *q, size_t n)
{
    pthread_mutex_lock(&q->lock);
    q->active -= n;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

void loopmsg__queue_task_done(loopmsg__queue *q)
{
    loopmsg__queue_tasks_done(q, 1);
}

void loopmsg__queue_wait_idle(loopmsg__queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->count || q->reserved || q->active)
        pthread_cond_wait(&q->changed, &q->lock);
    pthread_mutex_unlock(&q->lock);
}

void loopmsg__queue_close(loopmsg__queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

void loopmsg__queue_depth(loopmsg__queue *q, size_t *queued, size_t *active)
{
    pthread_mutex_lock(&q->lock);
    *queued = q->count;
    *active = q->active;
    pthread_mutex_unlock(&q->lock);
}
