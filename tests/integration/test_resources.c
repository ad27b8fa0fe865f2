/* SPDX-License-Identifier: MIT */
/*
 * test_resources.c: audience, campaigns, senders, pools, opt-in and histories on the wire
 * (method, path, query string with unset parameters absent, body) and pagination
 * (which cannot loop forever): several pages, num_pages missing, an empty page, the page cap.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void script_page(ts_env *env, int page, int num_pages, int n, int start)
{
    char body[4096];
    int o = snprintf(body, sizeof body, "{\"page\":%d,", page);
    if (num_pages >= 0)
        o += snprintf(body + o, sizeof body - (size_t)o, "\"num_pages\":%d,", num_pages);
    o += snprintf(body + o, sizeof body - (size_t)o, "\"per_page\":2,\"count\":5,\"items\":[");
    for (int i = 0; i < n; i++)
        o += snprintf(body + o, sizeof body - (size_t)o,
                      "%s{\"id\":\"c%d\",\"value\":\"+1323111%04d\"}", i ? "," : "", start + i,
                      start + i);
    snprintf(body + o, sizeof body - (size_t)o, "]}");
    ts_script(env, 200, body);
}

static void test_resources__audience_list_query(void **state)
{
    ts_env *env = *state;
    script_page(env, 1, 3, 2, 0);
    loopmsg_list_params p = LOOPMSG_LIST_PARAMS_INIT;
    p.page = 1;
    p.per_page = 2;
    p.sort = LOOPMSG_SORT_ASC;
    p.from_date = "2026-01-01";
    p.to_date = "2026-02-28";
    p.search = "+1 323&x";
    loopmsg_page *page = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_audience_list(env->client, &p, &page, &err), &err);
    assert_int_equal(page->kind, LOOPMSG_LIST_AUDIENCE);
    assert_int_equal(page->page, 1);
    assert_int_equal(page->num_pages, 3);
    assert_int_equal(page->count, 5);
    assert_int_equal(page->item_count, 2);
    assert_string_equal(page->contacts[1].id, "c1");
    assert_string_equal(page->contacts[1].value, "+13231110001");
    ts_assert_json_eq("{\"id\":\"c0\",\"value\":\"+13231110000\"}", page->item_json[0]);
    ts_assert_request(
        env, 0, "GET", "/api/v1/audience/list/",
        "page=1&per_page=2&sort_by=asc&from_date=2026-01-01&to_date=2026-02-28&search=%2B1%"
        "20323%26x",
        NULL);
    loopmsg_page_free(page);
    /* No parameters at all: no query string. */
    script_page(env, 1, 1, 0, 0);
    ts_assert_status(LOOPMSG_OK, loopmsg_audience_list(env->client, NULL, &page, &err), &err);
    ts_assert_request(env, 1, "GET", "/api/v1/audience/list/", "", NULL);
    loopmsg_page_free(page);
}

static void test_resources__iterator_three_pages(void **state)
{
    ts_env *env = *state;
    script_page(env, 1, 3, 2, 0);
    script_page(env, 2, 3, 2, 2);
    script_page(env, 3, 3, 1, 4);
    loopmsg_pager *g = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_pager_new(env->client, LOOPMSG_LIST_AUDIENCE, NULL, &g, &err), &err);
    size_t items = 0, pages = 0;
    for (;;) {
        loopmsg_page *p = NULL;
        ts_assert_status(LOOPMSG_OK, loopmsg_pager_next(g, &p, &err), &err);
        if (!p)
            break;
        items += p->item_count;
        pages++;
        loopmsg_page_free(p);
    }
    assert_int_equal(pages, 3);
    assert_int_equal(items, 5);
    assert_int_equal(loopmsg_pager_pages_fetched(g), 3);
    /* Done stays done: no fourth request. */
    loopmsg_page *p = (loopmsg_page *)1;
    ts_assert_status(LOOPMSG_OK, loopmsg_pager_next(g, &p, &err), &err);
    assert_null(p);
    assert_int_equal(ts_request_count(env), 3);
    ts_assert_request(env, 0, "GET", "/api/v1/audience/list/", "page=1&per_page=100", NULL);
    ts_assert_request(env, 1, "GET", "/api/v1/audience/list/", "page=2&per_page=100", NULL);
    ts_assert_request(env, 2, "GET", "/api/v1/audience/list/", "page=3&per_page=100", NULL);
    loopmsg_pager_free(g);
}

static void test_resources__stops_without_num_pages_or_on_empty_page(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_page *all = NULL;
    script_page(env, 1, -1, 2, 0); /* no num_pages: one request only */
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_list_all(env->client, LOOPMSG_LIST_AUDIENCE, NULL, 0, &all, &err),
                     &err);
    assert_int_equal(all->item_count, 2);
    assert_int_equal(ts_request_count(env), 1);
    loopmsg_page_free(all);
    script_page(env, 1, 9, 2, 0);
    script_page(env, 2, 9, 0, 0); /* an empty page ends it although num_pages says 9 */
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_list_all(env->client, LOOPMSG_LIST_AUDIENCE, NULL, 0, &all, &err),
                     &err);
    assert_int_equal(all->item_count, 2);
    assert_int_equal(ts_request_count(env), 3);
    assert_null(all->raw);
    loopmsg_page_free(all);
    script_page(env, 1, 0, 0, 0); /* num_pages 0 */
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_list_all(env->client, LOOPMSG_LIST_AUDIENCE, NULL, 0, &all, &err),
                     &err);
    assert_int_equal(all->item_count, 0);
    assert_int_equal(ts_request_count(env), 4);
    loopmsg_page_free(all);
}

static void test_resources__page_cap_and_max_items(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_list_params p = LOOPMSG_LIST_PARAMS_INIT;
    p.max_pages = 2;
    for (int i = 1; i <= 2; i++)
        script_page(env, i, 50, 2, 2 * i);
    loopmsg_page *all = NULL;
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_list_all(env->client, LOOPMSG_LIST_AUDIENCE, &p, 0, &all, &err), &err);
    assert_int_equal(all->item_count, 4);
    assert_int_equal(ts_request_count(env), 2);
    loopmsg_page_free(all);
    /* max_items truncates and stops fetching. */
    script_page(env, 1, 50, 2, 0);
    script_page(env, 2, 50, 2, 2);
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_list_all(env->client, LOOPMSG_LIST_AUDIENCE, NULL, 3, &all, &err),
                     &err);
    assert_int_equal(all->item_count, 3);
    assert_string_equal(all->contacts[2].id, "c2");
    assert_int_equal(ts_request_count(env), 4);
    loopmsg_page_free(all);
}

static void test_resources__iterator_error_repeats_same_page(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_retries = LOOPMSG_NO_RETRIES;
    loopmsg_client *c = ts_client(env, &o);
    script_page(env, 1, 2, 2, 0);
    ts_script(env, 500, "oops");
    script_page(env, 2, 2, 2, 2);
    loopmsg_pager *g = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_pager_new(c, LOOPMSG_LIST_SENDERS, NULL, &g, &err), &err);
    loopmsg_page *p = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_pager_next(g, &p, &err), &err);
    loopmsg_page_free(p);
    ts_assert_status(LOOPMSG_E_HTTP, loopmsg_pager_next(g, &p, &err), &err);
    assert_null(p);
    ts_assert_status(LOOPMSG_OK, loopmsg_pager_next(g, &p, &err), &err);
    assert_non_null(p);
    loopmsg_page_free(p);
    ts_assert_request(env, 1, "GET", "/api/v1/sender/list/", "page=2&per_page=100", NULL);
    ts_assert_request(env, 2, "GET", "/api/v1/sender/list/", "page=2&per_page=100", NULL);
    loopmsg_pager_free(g);
    loopmsg_client_free(c);
}

static void test_resources__history(void **state)
{
    ts_env *env = *state;
    char *body = ts_read_file(ts_data_path("responses/audience_message_history.json"), NULL);
    ts_script(env, 200, body);
    free(body);
    loopmsg_list_params p = LOOPMSG_LIST_PARAMS_INIT;
    p.contact = "+14155550142";
    p.direction = LOOPMSG_DIRECTION_INBOUND;
    p.type = "text";
    p.per_page = 20;
    loopmsg_page *page = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_audience_history(env->client, &p, &page, &err), &err);
    assert_string_equal(page->contact_status, "active");
    assert_int_equal(page->item_count, 2);
    assert_string_equal(page->messages[0].direction, "inbound");
    assert_string_equal(page->messages[0].language, "EN");
    assert_string_equal(page->messages[1].text, "Yes, 9am to 4pm on Saturday.");
    ts_assert_request(env, 0, "GET", "/api/v1/audience/messages/%2B14155550142/",
                      "per_page=20&direction=inbound&type=text", NULL);
    loopmsg_page_free(page);
    /* History collect-all keeps the status. */
    body = ts_read_file(ts_data_path("responses/audience_message_history.json"), NULL);
    ts_script(env, 200, body);
    free(body);
    ts_assert_status(
        LOOPMSG_OK, loopmsg_list_all(env->client, LOOPMSG_LIST_MESSAGE_HISTORY, &p, 0, &page, &err),
        &err);
    assert_int_equal(page->item_count, 2);
    assert_string_equal(page->contact_status, "active");
    loopmsg_page_free(page);
}

static void test_resources__list_param_rules(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_page *page = NULL;
    loopmsg_list_params p = LOOPMSG_LIST_PARAMS_INIT;
    p.from_date = "2026-02-30";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_audience_list(env->client, &p, &page, &err),
                     &err);
    ts_assert_contains(err.message, "audience list: from_date: must be a real date");
    p.from_date = "2026-1-01";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_audience_list(env->client, &p, &page, &err),
                     &err);
    p.from_date = NULL;
    p.per_page = 1001;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_audience_list(env->client, &p, &page, &err),
                     &err);
    ts_assert_contains(err.message, "per_page: must be between 1 and 1000, got 1001");
    p.per_page = 0;
    p.to_date = "2026-01-01";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_senders_list(env->client, &p, &page, &err),
                     &err);
    ts_assert_contains(err.message, "senders list: to_date: not supported by this list");
    p.to_date = NULL;
    p.search = "x";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_pools_list(env->client, &p, &page, &err), &err);
    ts_assert_contains(err.message, "pools list: search: not supported");
    p.search = NULL;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_audience_history(env->client, &p, &page, &err),
                     &err);
    ts_assert_contains(err.message, "message history: contact: is required");
    p.contact = "+14155550142";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_audience_list(env->client, &p, &page, &err),
                     &err);
    ts_assert_contains(err.message, "contact: only message history takes it");
    p.version = 0;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_audience_list(env->client, &p, &page, &err),
                     &err);
    ts_assert_status(LOOPMSG_E_INVALID_ARG,
                     loopmsg_list_page(env->client, (loopmsg_list_kind)42, NULL, &page, &err),
                     &err);
    assert_int_equal(ts_request_count(env), 0);
    assert_true(loopmsg_date_valid("2024-02-29"));
    assert_false(loopmsg_date_valid("2023-02-29"));
    assert_false(loopmsg_date_valid("1900-02-29"));
    assert_true(loopmsg_date_valid("2000-02-29"));
    assert_false(loopmsg_date_valid("2026-13-01"));
    assert_false(loopmsg_date_valid("2026-12-00"));
}

static void test_resources__senders_pools_optins_webhooks(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_page *page = NULL;
    char *body = ts_read_file(ts_data_path("responses/senders_list.json"), NULL);
    ts_script(env, 200, body);
    free(body);
    loopmsg_list_params p = LOOPMSG_LIST_PARAMS_INIT;
    p.sort = LOOPMSG_SORT_DESC;
    ts_assert_status(LOOPMSG_OK, loopmsg_senders_list(env->client, &p, &page, &err), &err);
    assert_int_equal(page->item_count, 2);
    assert_string_equal(page->senders[1].status, "pending");
    assert_string_equal(page->senders[0].imessage_link, "imessage://hello@acme-shop.imsg.co");
    loopmsg_page_free(page);
    body = ts_read_file(ts_data_path("responses/pools_list.json"), NULL);
    ts_script(env, 200, body);
    free(body);
    ts_assert_status(LOOPMSG_OK, loopmsg_pools_list(env->client, NULL, &page, &err), &err);
    assert_int_equal(page->pools[0].count, 3);
    assert_string_equal(page->pools[0].name, "US support pool");
    loopmsg_page_free(page);
    ts_script(
        env, 200,
        "{\"page\":1,\"num_pages\":1,\"per_page\":20,\"count\":1,\"items\":[{\"id\":\"o1\","
        "\"ip_address\":\"203.0.113.9\",\"organization\":\"org\",\"origin\":\"web\",\"type\":"
        "\"opt_in\",\"create_date\":\"2026-01-01T00:00:00Z\",\"geo\":{\"city\":\"Berlin\","
        "\"country\":\"DE\",\"europe_union\":true,\"postal_code\":\"10115\",\"region\":\"BE\","
        "\"time_zone\":\"Europe/Berlin\"},\"user_agent\":{\"bot\":false,\"browser\":\"Safari\","
        "\"device\":\"iPhone\",\"email_client\":null,\"mobile\":true,\"os\":\"iOS\"}}]}");
    p.from_date = "2026-01-01";
    ts_assert_status(LOOPMSG_OK, loopmsg_optin_history(env->client, &p, &page, &err), &err);
    assert_string_equal(page->opt_ins[0].geo_city, "Berlin");
    assert_true(page->opt_ins[0].geo_europe_union);
    assert_true(page->opt_ins[0].ua_mobile);
    assert_false(page->opt_ins[0].ua_bot);
    assert_null(page->opt_ins[0].ua_email_client);
    loopmsg_page_free(page);
    ts_script(
        env, 200,
        "{\"page\":1,\"num_pages\":1,\"items\":[{\"attempt\":2,\"create_date\":\"2026-01-01\","
        "\"event_type\":\"message_failed\",\"json\":{\"event\":\"message_failed\"}}]}");
    p.from_date = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_webhook_history(env->client, &p, &page, &err), &err);
    assert_int_equal(page->deliveries[0].attempt, 2);
    assert_string_equal(page->deliveries[0].json, "{\"event\":\"message_failed\"}");
    assert_int_equal(page->count, -1);
    loopmsg_page_free(page);
    ts_script(env, 200, "{\"id\":\"S1\",\"name\":\"+17375550101\",\"status\":\"active\",\"x\":1}");
    loopmsg_sender_details *d = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_get(env->client, "S 1", &d, &err), &err);
    assert_string_equal(d->sender.id, "S1");
    ts_assert_contains(d->raw, "\"x\":1");
    loopmsg_sender_details_free(d);
    ts_assert_request(env, 0, "GET", "/api/v1/sender/list/", "sort_by=desc", NULL);
    ts_assert_request(env, 1, "GET", "/api/v1/pool/list/", "", NULL);
    ts_assert_request(env, 2, "GET", "/api/v1/audience/tracker/",
                      "sort_by=desc&from_date=2026-01-01", NULL);
    ts_assert_request(env, 3, "GET", "/api/v1/webhooks/history/", "sort_by=desc", NULL);
    ts_assert_request(env, 4, "GET", "/api/v1/sender/S%201/", "", NULL);
}

static void test_resources__check_status_and_unsubscribe(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_contact_status s;
    ts_script(env, 200, "{\"status\":\"unsubscribed\"}");
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_audience_check_status(env->client, "+13231112233", &s, &err), &err);
    assert_int_equal(s, LOOPMSG_CONTACT_UNSUBSCRIBED);
    ts_script(env, 200, "{\"status\":\"weird\"}");
    ts_assert_status(
        LOOPMSG_OK, loopmsg_audience_check_status(env->client, "ruth@example.org", &s, &err), &err);
    assert_int_equal(s, LOOPMSG_CONTACT_OTHER);
    ts_script(env, 204, NULL);
    ts_assert_status(LOOPMSG_OK, loopmsg_audience_unsubscribe(env->client, "+13231112233", &err),
                     &err);
    ts_script(env, 200, "{\"success\":true}");
    ts_assert_status(LOOPMSG_OK, loopmsg_audience_unsubscribe(env->client, "+13231112233", &err),
                     &err);
    ts_script(env, 200, "{\"success\":false,\"code\":160,\"message\":\"Invalid contact\"}");
    ts_assert_status(LOOPMSG_E_API, loopmsg_audience_unsubscribe(env->client, "+1", &err), &err);
    assert_int_equal(err.api_code, 160);
    ts_assert_request(env, 0, "GET", "/api/v1/audience/check-status/%2B13231112233/", "", NULL);
    ts_assert_request(env, 1, "GET", "/api/v1/audience/check-status/ruth%40example.org/", "", NULL);
    ts_assert_request(env, 2, "DELETE", "/api/v1/audience/delete/%2B13231112233/", "", NULL);
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_audience_unsubscribe(env->client, "", &err),
                     &err);
    assert_string_equal(loopmsg_contact_status_name(LOOPMSG_CONTACT_ACTIVE), "active");
}

static loopmsg_campaign_params broadcast(void)
{
    static const char *const contacts[] = {"+13231112233", "ruth@example.org"};
    loopmsg_campaign_params p = LOOPMSG_CAMPAIGN_PARAMS_INIT;
    p.name = "April drop";
    p.text = "New stock!";
    p.contacts = contacts;
    p.contact_count = 2;
    return p;
}

static void test_resources__campaign_wire(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    char *body = ts_read_file(ts_data_path("responses/campaign_create.json"), NULL);
    ts_script(env, 200, body);
    free(body);
    loopmsg_campaign_params p = broadcast();
    p.from_date = "2026-04-01";
    p.from_time = "09:30";
    p.to_time = "18:00";
    p.timezone = "America/Los_Angeles";
    p.effect = LOOPMSG_EFFECT_CONFETTI;
    loopmsg_campaign *c = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_campaign_create(env->client, &p, &c, &err), &err);
    assert_string_equal(c->id, "4d5e6f70-8192-4a3b-b4c5-d6e7f8091a2b");
    assert_string_equal(c->name, "April drop");
    loopmsg_campaign_free(c);
    const char *att[] = {"https://a/1.png"};
    loopmsg_campaign_message msgs[2] = {{.contact = "+13231112233",
                                         .text = "Hi Ann",
                                         .subject = "S",
                                         .effect = LOOPMSG_EFFECT_LOVE},
                                        {.contact = "ruth@example.org",
                                         .text = "Hi Ruth",
                                         .attachments = att,
                                         .attachment_count = 1}};
    loopmsg_campaign_params q = LOOPMSG_CAMPAIGN_PARAMS_INIT;
    q.name = "Individual";
    q.messages = msgs;
    q.message_count = 2;
    ts_script(env, 200, "{\"id\":\"C2\"}");
    ts_assert_status(LOOPMSG_OK, loopmsg_campaign_create(env->client, &q, &c, &err), &err);
    loopmsg_campaign_free(c);
    ts_assert_request(
        env, 0, "POST", "/api/v1/campaigns/new/", "",
        "{\"name\":\"April drop\",\"text\":\"New stock!\",\"contacts\":[\"+13231112233\","
        "\"ruth@example.org\"],\"effect\":\"confetti\",\"from_date\":\"2026-04-01\","
        "\"from_time\":\"09:30\",\"to_time\":\"18:00\",\"timezone\":"
        "\"America/Los_Angeles\"}");
    ts_assert_request(
        env, 1, "POST", "/api/v1/campaigns/new/", "",
        "{\"name\":\"Individual\",\"messages\":[{\"contact\":\"+13231112233\",\"text\":\"Hi "
        "Ann\",\"subject\":\"S\",\"effect\":\"love\"},{\"contact\":\"ruth@example.org\","
        "\"text\":\"Hi Ruth\",\"attachments\":[\"https://a/1.png\"]}]}");
}

static void expect_campaign_invalid(ts_env *env, loopmsg_campaign_params *p, const char *needle)
{
    loopmsg_error err;
    loopmsg_campaign *c = NULL;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_campaign_create(env->client, p, &c, &err),
                     &err);
    ts_assert_contains(err.message, needle);
    assert_null(c);
    assert_int_equal(ts_request_count(env), 0);
}

static void test_resources__campaign_rules(void **state)
{
    ts_env *env = *state;
    loopmsg_campaign_message m = {.contact = "+13231112233", .text = "x"};
    loopmsg_campaign_params p = broadcast();
    p.messages = &m;
    p.message_count = 1;
    expect_campaign_invalid(env, &p, "campaign: give text and contacts (broadcast) or messages");
    p = broadcast();
    p.contact_count = 0;
    p.contacts = NULL;
    expect_campaign_invalid(env, &p, "campaign: contacts: must not be empty");
    p = broadcast();
    p.text = NULL;
    expect_campaign_invalid(env, &p, "campaign: text: is required");
    loopmsg_campaign_params q = LOOPMSG_CAMPAIGN_PARAMS_INIT;
    q.name = "n";
    expect_campaign_invalid(env, &q, "are required");
    q.messages = &m;
    q.message_count = 0;
    expect_campaign_invalid(env, &q, "campaign: messages: must not be empty");
    loopmsg_campaign_message bad = {.contact = "+13231112233"};
    q.messages = &bad;
    q.message_count = 1;
    expect_campaign_invalid(env, &q, "campaign: messages[0].text: is required");
    const char *four[] = {"https://a/1", "https://a/2", "https://a/3", "https://a/4"};
    p = broadcast();
    p.attachments = four;
    p.attachment_count = 4;
    expect_campaign_invalid(env, &p, "attachments: at most 3 URLs allowed, got 4");
    loopmsg_campaign_message m4 = {
        .contact = "+1", .text = "x", .attachments = four, .attachment_count = 4};
    q.messages = &m4;
    expect_campaign_invalid(env, &q, "messages[0]: attachments: at most 3");
    p = broadcast();
    p.effect = (loopmsg_effect)77;
    expect_campaign_invalid(env, &p, "campaign: effect: unknown value 77");
    p = broadcast();
    p.from_date = "2026-02-29";
    expect_campaign_invalid(env, &p, "campaign: from_date: must be a real date");
    p = broadcast();
    p.from_time = "24:00";
    expect_campaign_invalid(env, &p, "campaign: from_time: must be HH:mm");
    p.from_time = "9:30";
    expect_campaign_invalid(env, &p, "from_time: must be HH:mm");
    p = broadcast();
    p.to_time = "12:60";
    expect_campaign_invalid(env, &p, "campaign: to_time: must be HH:mm");
    p = broadcast();
    p.from_time = "18:00";
    p.to_time = "09:00";
    expect_campaign_invalid(env, &p, "from_time must be before to_time");
    p.to_time = "18:00";
    expect_campaign_invalid(env, &p, "from_time must be before to_time");
    p = broadcast();
    p.from_time = "23:00"; /* after the server's default to_time of 22:00 */
    expect_campaign_invalid(env, &p, "from_time must be before to_time");
    const char *bad_tz[] = {"EST",          "America",          "America/",
                            "Mars/Olympus", "America/new york", "../etc/passwd"};
    for (size_t i = 0; i < sizeof bad_tz / sizeof bad_tz[0]; i++) {
        p = broadcast();
        p.timezone = bad_tz[i];
        expect_campaign_invalid(env, &p, "is not an IANA time zone name");
    }
    const char *good_tz[] = {"UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Asia/Kolkata"};
    for (size_t i = 0; i < sizeof good_tz / sizeof good_tz[0]; i++) {
        p = broadcast();
        p.timezone = good_tz[i];
        loopmsg_error err;
        ts_assert_status(LOOPMSG_OK, loopmsg_campaign_params_validate(&p, &err), &err);
    }
    p = broadcast();
    p.name = NULL;
    expect_campaign_invalid(env, &p, "campaign: name: is required");
}

static void test_resources__optin(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    char *body = ts_read_file(ts_data_path("responses/opt_in_generate_url.json"), NULL);
    ts_script(env, 200, body);
    free(body);
    loopmsg_field fields[] = {{"click_id", "clk_1"}, {"utm_campaign", "spring"}};
    loopmsg_optin_params p = LOOPMSG_OPTIN_PARAMS_INIT;
    p.body = "Text us to join [opt-in-code]";
    p.sender_type = "shared";
    p.fields = fields;
    p.field_count = 2;
    loopmsg_optin_url *u = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_optin_generate_url(env->client, &p, &u, &err), &err);
    assert_string_equal(u->id, "9b8a7c6d-5e4f-4321-8a9b-0c1d2e3f4a5b");
    ts_assert_contains(u->url, "https://opt-in.imsg.link/");
    ts_assert_contains(u->whatsapp, "whatsapp://");
    ts_assert_contains(u->sms, "sms:");
    ts_assert_contains(u->imessage, "imessage://");
    loopmsg_optin_url_free(u);
    ts_assert_request(env, 0, "POST", "/api/v1/opt-in/generate-url/", "",
                      "{\"body\":\"Text us to join [opt-in-code]\",\"sender_type\":\"shared\","
                      "\"click_id\":\"clk_1\",\"utm_campaign\":\"spring\"}");
    p.body = "no placeholder";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_optin_generate_url(env->client, &p, &u, &err),
                     &err);
    ts_assert_contains(err.message, "opt-in: body: must contain the placeholder [opt-in-code]");
    p.body = "[opt-in-code]";
    loopmsg_field reserved[] = {{"body", "x"}};
    p.fields = reserved;
    p.field_count = 1;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_optin_generate_url(env->client, &p, &u, &err),
                     &err);
    ts_assert_contains(err.message, "is a reserved field");
    loopmsg_field twice[] = {{"a", "1"}, {"a", "2"}};
    p.fields = twice;
    p.field_count = 2;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_optin_generate_url(env->client, &p, &u, &err),
                     &err);
    ts_assert_contains(err.message, "is given twice");
    assert_int_equal(ts_request_count(env), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_resources__audience_list_query),
        T(test_resources__iterator_three_pages),
        T(test_resources__stops_without_num_pages_or_on_empty_page),
        T(test_resources__page_cap_and_max_items),
        T(test_resources__iterator_error_repeats_same_page),
        T(test_resources__history),
        T(test_resources__list_param_rules),
        T(test_resources__senders_pools_optins_webhooks),
        T(test_resources__check_status_and_unsubscribe),
        T(test_resources__campaign_wire),
        T(test_resources__campaign_rules),
        T(test_resources__optin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
