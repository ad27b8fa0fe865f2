/* SPDX-License-Identifier: MIT */
/*
 * queue_int.h: the bounded queue between the HTTP threads and the callback workers. A
 * producer first reserves a slot (failing at once when the queue is full, which the server
 * turns into a 503) and only then does the slow part (the spool write) before pushing into
 * the slot it holds, so an event is never written to the spool and then refused. Thread-safe.
 */
#ifndef LOOPMSG_WEBHOOK_QUEUE_INT_H
#define LOOPMSG_WEBHOOK_QUEUE_INT_H

#include <stddef.h>

typedef struct loopmsg__queue loopmsg__queue;

/* capacity must be > 0. NULL on allocation failure. */
loopmsg__queue *loopmsg__queue_new(size_t capacity);
/* Frees the queue itself; items still in it are the caller's (drain with _pop first). */
void loopmsg__queue_free(loopmsg__queue *q);

/* Reserve a slot: 0, or -1 when the queue is full or closed. */
int loopmsg__queue_reserve(loopmsg__queue *q);
/* Give a reserved slot back without pushing. */
void loopmsg__queue_unreserve(loopmsg__queue *q);
/* Push into a slot reserved earlier. Never fails. */
void loopmsg__queue_push_reserved(loopmsg__queue *q, void *item);
/* Push, waiting for room (used to requeue recovered events at start). -1 if closed. */
int loopmsg__queue_push_wait(loopmsg__queue *q, void *item);

/* Take the oldest item, waiting for one. NULL once the queue is closed and empty. */
void *loopmsg__queue_pop(loopmsg__queue *q);
/* Take up to max items at once (at least one, waiting for it); 0 once closed and empty.
 * A worker that takes a batch pays for the lock and any wake-up once per batch. With
 * `consumers` workers, one takes at most its share of what is queued, so that a slow
 * callback does not hold up a batch the others could be running. */
size_t loopmsg__queue_pop_many(loopmsg__queue *q, void **items, size_t max, size_t consumers);
/* pop_many, but when the queue is empty the consumer first lingers up to linger_ms (0: not
 * at all) without being signalled (unless a batch's worth of items piles up), then sleeps
 * as pop_many does. Trades up to linger_ms of delay before a callback for one wake-up per
 * linger instead of one per event. */
size_t loopmsg__queue_pop_batch(loopmsg__queue *q, void **items, size_t max, size_t consumers,
                                unsigned int linger_ms);
/* The consumer finished the item it popped (for loopmsg__queue_wait_idle). */
void loopmsg__queue_task_done(loopmsg__queue *q);
/* The consumer finished n items. */
void loopmsg__queue_tasks_done(loopmsg__queue *q, size_t n);
/* Wait until nothing is queued, reserved or being handled. */
void loopmsg__queue_wait_idle(loopmsg__queue *q);
/* Refuse further reservations and pushes; wake every waiter. Queued items are still popped. */
void loopmsg__queue_close(loopmsg__queue *q);

/* Items queued (not yet popped) and items popped but not yet done. */
void loopmsg__queue_depth(loopmsg__queue *q, size_t *queued, size_t *active);

#endif
