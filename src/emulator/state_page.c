/* SPDX-License-Identifier: MIT */
/*
 * state_page.c: one page of an emulated list: the paging query (page, per_page, sort_by,
 * dates, search), the documented envelope, and public copies of stored objects. Called with
 * emu->lock held; never touches sockets.
 */
#include "emulator_int.h"
#include "state_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- pagination ------------------------------------------------------------------------- */

void loopmsg__emu_page_query_clear(loopmsg__emu_page_query *q)
{
    free(q->from_date);
    free(q->to_date);
    free(q->search);
}

static bool parse_long(const char *s, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0)
        return false;
    *out = v;
    return true;
}

/* Parse page, per_page, sort_by and (when dates) from_date/to_date/search. On error writes
 * the 400 and returns false. */
bool loopmsg__emu_page_query_parse(loopmsg__emu_page_query *q, const char *query, bool dates,
                                   long max_per_page, loopmsg__emu_response *resp)
{
    memset(q, 0, sizeof *q);
    q->page = 1;
    q->per_page = 20;
    char *page = loopmsg__emu_query_get(query, "page");
    char *per_page = loopmsg__emu_query_get(query, "per_page");
    char *sort_by = loopmsg__emu_query_get(query, "sort_by");
    const char *bad = NULL;
    if (page && (!parse_long(page, &q->page) || q->page < 1))
        bad = "page must be a positive integer";
    else if (per_page &&
             (!parse_long(per_page, &q->per_page) || q->per_page < 1 || q->per_page > max_per_page))
        bad = "per_page out of range";
    else if (sort_by && strcmp(sort_by, "asc") != 0 && strcmp(sort_by, "desc") != 0)
        bad = "sort_by must be asc or desc";
    q->asc = sort_by && strcmp(sort_by, "asc") == 0;
    free(page);
    free(per_page);
    free(sort_by);
    if (!bad && dates) {
        int64_t ms;
        q->from_date = loopmsg__emu_query_get(query, "from_date");
        q->to_date = loopmsg__emu_query_get(query, "to_date");
        q->search = loopmsg__emu_query_get(query, "search");
        if ((q->from_date && !loopmsg__emu_parse_date(q->from_date, &ms)) ||
            (q->to_date && !loopmsg__emu_parse_date(q->to_date, &ms)))
            bad = "dates must be YYYY-MM-DD";
    }
    if (bad) {
        loopmsg__emu_page_query_clear(q);
        loopmsg__emu_respond_error(resp, 400, 125, bad);
        return false;
    }
    return true;
}

bool loopmsg__emu_date_in_range(const loopmsg__emu_page_query *q, const char *create_date)
{
    if (!create_date)
        return !q->from_date && !q->to_date;
    if (q->from_date && strncmp(create_date, q->from_date, 10) < 0)
        return false;
    if (q->to_date && strncmp(create_date, q->to_date, 10) > 0)
        return false;
    return true;
}

static int cmp_create_date(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    const char *dx = loopmsg__emu_jstr(x, "create_date"), *dy = loopmsg__emu_jstr(y, "create_date");
    int c = strcmp(dx ? dx : "", dy ? dy : "");
    if (c)
        return c;
    /* Stable: the insertion index was stashed in "__i". */
    json_int_t ix = json_integer_value(json_object_get(x, "__i"));
    json_int_t iy = json_integer_value(json_object_get(y, "__i"));
    return ix < iy ? -1 : ix > iy;
}

/* Build the paginated envelope from items (reference stolen; already filtered, insertion
 * order), sorted by create_date per q. */
json_t *loopmsg__emu_paginate(json_t *items, const loopmsg__emu_page_query *q)
{
    size_t n = json_array_size(items);
    json_t **v = n ? malloc(n * sizeof *v) : NULL;
    for (size_t i = 0; v && i < n; i++) {
        v[i] = json_array_get(items, i);
        json_object_set_new(v[i], "__i", json_integer((json_int_t)i));
    }
    if (v)
        qsort(v, n, sizeof *v, cmp_create_date);
    size_t per = (size_t)q->per_page;
    size_t num_pages = n ? (n + per - 1) / per : 1;
    json_t *page_items = json_array();
    /* A page past the last is empty; (page - 1) * per must not wrap to a real page. */
    size_t start = (size_t)q->page - 1 < num_pages ? ((size_t)q->page - 1) * per : n;
    for (size_t k = 0; v && k < per && start + k < n; k++) {
        size_t idx = q->asc ? start + k : n - 1 - (start + k);
        json_object_del(v[idx], "__i");
        json_array_append(page_items, v[idx]);
    }
    free(v);
    json_t *out = json_pack("{s:I,s:I,s:I,s:I}", "page", (json_int_t)q->page, "num_pages",
                            (json_int_t)num_pages, "per_page", (json_int_t)q->per_page, "count",
                            (json_int_t)n);
    /* Items not on the page still carry "__i": strip them before releasing. */
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) json_object_del(it, "__i");
    json_object_set_new(out, "items", page_items);
    json_decref(items);
    return out;
}

/* Copy of each object of arr (without keys starting with '_'), filtered by date. */
json_t *loopmsg__emu_public_copy(const json_t *obj)
{
    json_t *o = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (k[0] != '_')
            json_object_set(o, k, v);
    }
    return o;
}
