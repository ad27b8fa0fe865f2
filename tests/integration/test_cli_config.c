/* SPDX-License-Identifier: MIT */
/*
 * test_cli_config.c: credential profiles end to end. Each test points HOME (and, where it
 * says so, XDG_CONFIG_HOME / LOOP_CONFIG) at a fresh temporary directory, writes or lets
 * `loopmsg config set` write the file, and checks which value wins for every key at every
 * level (flag > environment > profile > built-in default), what reached the emulator, and
 * that secrets never show and an open file is refused.
 */
#include "test_support.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Values long enough that `config list` shows their last four characters. */
#define D_API_KEY "default-api-key-D001"
#define W_API_KEY "work-api-key-0000W002"
#define E_API_KEY "env-api-key-00000E003"
#define F_API_KEY "flag-api-key-0000F004"
#define D_SECRET  "default-secret-00D011"
#define W_SECRET  "work-secret-00000W012"
#define E_SECRET  "env-secret-000000E013"
#define D_LOOKUP  "default-lookup-00D021"
#define W_LOOKUP  "work-lookup-00000W022"
#define E_LOOKUP  "env-lookup-000000E023"

typedef struct cfg_env {
    ts_env *ts;
    char dir[64];   /* HOME */
    char path[160]; /* $HOME/.config/loopmsg/config */
    char home[96];  /* "HOME=..." */
    const char *env[24];
    size_t nenv;
} cfg_env;

static void cfg_init(cfg_env *c, ts_env *ts)
{
    memset(c, 0, sizeof *c);
    c->ts = ts;
    snprintf(c->dir, sizeof c->dir, "/tmp/loopmsg-cfg-XXXXXX");
    assert_non_null(mkdtemp(c->dir));
    snprintf(c->path, sizeof c->path, "%s/.config/loopmsg/config", c->dir);
    snprintf(c->home, sizeof c->home, "HOME=%s", c->dir);
    c->env[c->nenv++] = c->home;
}

static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[512];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            rm_rf(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void cfg_done(cfg_env *c)
{
    rm_rf(c->dir);
}

static void cfg_write(const cfg_env *c, const char *text, mode_t mode)
{
    char dir[160];
    snprintf(dir, sizeof dir, "%s/.config", c->dir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/.config/loopmsg", c->dir);
    mkdir(dir, 0700);
    FILE *f = fopen(c->path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(c->path, mode), 0);
}

/* Run loopmsg with the environment of c plus `extra` (NULL-terminated, may be NULL). Without
 * LOOP_API_KEY and with LOOP_BASE_URL empty (or base_url) unless `with_ts_env`. */
static int cfg_run_url(cfg_env *c, ts_cli *cli, const char *const *argv, const char *const *extra,
                       bool with_ts_env, const char *stdin_data, const char *base_url)
{
    const char *env[40];
    size_t n = 0;
    for (size_t i = 0; i < c->nenv; i++)
        env[n++] = c->env[i];
    for (size_t i = 0; extra && extra[i]; i++)
        env[n++] = extra[i];
    env[n] = NULL;
    ts_cli_opts o = {.extra_env = env,
                     .stdin_data = stdin_data ? stdin_data : "",
                     .base_url = with_ts_env ? NULL
                                 : base_url  ? base_url
                                             : "",
                     .no_key = !with_ts_env};
    ts_cli_start_ex(cli, c->ts, argv, &o);
    return ts_cli_wait(cli, 30000);
}

static int cfg_run(cfg_env *c, ts_cli *cli, const char *const *argv, const char *const *extra,
                   bool with_ts_env, const char *stdin_data)
{
    return cfg_run_url(c, cli, argv, extra, with_ts_env, stdin_data, NULL);
}

static const char two_profiles[] = "[default]\n"
                                   "api_key = " D_API_KEY "\n"
                                   "base_url = http://127.0.0.1:1001\n"
                                   "sender = default-sender\n"
                                   "webhook_secret = " D_SECRET "\n"
                                   "lookup_api_key = " D_LOOKUP "\n"
                                   "timeout_ms = 1001\n"
                                   "retries = 1\n"
                                   "\n"
                                   "[work]\n"
                                   "api_key = " W_API_KEY "\n"
                                   "base_url = http://127.0.0.1:2002\n"
                                   "sender = work-sender\n"
                                   "webhook_secret = " W_SECRET "\n"
                                   "lookup_api_key = " W_LOOKUP "\n"
                                   "timeout_ms = 2002\n"
                                   "retries = 2\n"
                                   "\n"
                                   "[other]\n"
                                   "sender = other-sender\n";

/* Assert `config list --json` says key = value (NULL: no value) from source. */
static void assert_setting(json_t *list, const char *key, const char *value, const char *source)
{
    json_t *s = json_object_get(list, key);
    if (!json_is_object(s))
        fail_msg("config list has no '%s'", key);
    const char *v = json_string_value(json_object_get(s, "value"));
    const char *src = json_string_value(json_object_get(s, "source"));
    if (!src || strcmp(src, source) != 0)
        fail_msg("%s: source %s, expected %s", key, src ? src : "(none)", source);
    if (!value && v)
        fail_msg("%s: value %s, expected none", key, v);
    if (value && (!v || strcmp(v, value) != 0))
        fail_msg("%s: value %s, expected %s", key, v ? v : "(none)", value);
}

static json_t *config_list(cfg_env *c, const char *const *flags, const char *const *extra,
                           const char *base_url)
{
    const char *argv[24];
    size_t n = 0;
    for (size_t i = 0; flags && flags[i]; i++)
        argv[n++] = flags[i];
    argv[n++] = "config";
    argv[n++] = "list";
    argv[n++] = "--json";
    argv[n] = NULL;
    ts_cli cli;
    int rc = cfg_run_url(c, &cli, argv, extra, false, NULL, base_url);
    if (rc != 0)
        fail_msg("config list exited %d: %s", rc, cli.err);
    json_error_t e;
    json_t *j = json_loads(cli.out, 0, &e);
    if (!json_is_object(j))
        fail_msg("config list --json: %s", cli.out);
    ts_cli_free(&cli);
    return j;
}

static void test_cli_config__precedence_every_key_every_level(void **state)
{
    cfg_env c;
    cfg_init(&c, *state);

    /* Built-in defaults: no file at all. */
    json_t *j = config_list(&c, NULL, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "file")), c.path);
    assert_string_equal(json_string_value(json_object_get(j, "profile")), "default");
    const char *names[] = {"api_key",        "base_url",   "sender", "webhook_secret",
                           "lookup_api_key", "timeout_ms", "retries"};
    for (size_t i = 0; i < 7; i++)
        assert_setting(j, names[i], NULL, "default");
    json_decref(j);

    /* [default], when no profile is selected; secrets masked to their last 4 characters. */
    cfg_write(&c, two_profiles, 0600);
    j = config_list(&c, NULL, NULL, NULL);
    assert_setting(j, "api_key", "****************D001", "profile");
    assert_setting(j, "base_url", "http://127.0.0.1:1001", "profile");
    assert_setting(j, "sender", "default-sender", "profile");
    assert_setting(j, "webhook_secret", "****************D011", "profile");
    assert_setting(j, "lookup_api_key", "****************D021", "profile");
    assert_setting(j, "timeout_ms", "1001", "profile");
    assert_setting(j, "retries", "1", "profile");
    json_decref(j);

    /* LOOP_PROFILE selects a profile; a key it lacks is the built-in default, not
     * [default]'s. */
    const char *by_env[] = {"LOOP_PROFILE=work", NULL};
    j = config_list(&c, NULL, by_env, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "profile")), "work");
    assert_setting(j, "api_key", "****************W002", "profile");
    assert_setting(j, "base_url", "http://127.0.0.1:2002", "profile");
    assert_setting(j, "sender", "work-sender", "profile");
    assert_setting(j, "webhook_secret", "****************W012", "profile");
    assert_setting(j, "lookup_api_key", "****************W022", "profile");
    assert_setting(j, "timeout_ms", "2002", "profile");
    assert_setting(j, "retries", "2", "profile");
    json_decref(j);

    /* --profile beats LOOP_PROFILE. */
    const char *other[] = {"--profile", "other", NULL};
    j = config_list(&c, other, by_env, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "profile")), "other");
    assert_setting(j, "sender", "other-sender", "profile");
    assert_setting(j, "api_key", NULL, "default");
    assert_setting(j, "timeout_ms", NULL, "default");
    json_decref(j);

    /* The environment beats the profile, for every key. */
    const char *envs[] = {"LOOP_PROFILE=work", "LOOP_API_KEY=" E_API_KEY,
                          /* LOOP_BASE_URL=http://127.0.0.1:3003 (config_list's argument) */
                          "LOOP_SENDER_ID=env-sender", "LOOP_WEBHOOK_SECRET=" E_SECRET,
                          "LOOP_LOOKUP_API_KEY=" E_LOOKUP, "LOOP_TIMEOUT_MS=3003", "LOOP_RETRIES=3",
                          NULL};
    j = config_list(&c, NULL, envs, "http://127.0.0.1:3003");
    assert_setting(j, "api_key", "****************E003", "env");
    assert_setting(j, "base_url", "http://127.0.0.1:3003", "env");
    assert_setting(j, "sender", "env-sender", "env");
    assert_setting(j, "webhook_secret", "****************E013", "env");
    assert_setting(j, "lookup_api_key", "****************E023", "env");
    assert_setting(j, "timeout_ms", "3003", "env");
    assert_setting(j, "retries", "3", "env");
    json_decref(j);

    /* A flag beats the environment (the keys that have a global flag; webhook_secret's is
     * listen --secret, lookup_api_key's the lookup command's own). */
    const char *flags[] = {"--api-key", F_API_KEY,  "--base-url", "http://127.0.0.1:4004",
                           "--sender",  "f-sender", "--timeout",  "4004",
                           "--retries", "4",        NULL};
    j = config_list(&c, flags, envs, "http://127.0.0.1:3003");
    assert_setting(j, "api_key", "****************F004", "flag");
    assert_setting(j, "base_url", "http://127.0.0.1:4004", "flag");
    assert_setting(j, "sender", "f-sender", "flag");
    assert_setting(j, "timeout_ms", "4004", "flag");
    assert_setting(j, "retries", "4", "flag");
    assert_setting(j, "webhook_secret", "****************E013", "env");
    json_decref(j);
    cfg_done(&c);
}

/* The profile's key and URL are the ones a send uses; the environment and a flag beat it. */
static void test_cli_config__send_uses_the_profile(void **state)
{
    ts_env *env = *state;
    cfg_env c;
    cfg_init(&c, env);
    char text[512];
    snprintf(text, sizeof text,
             "[default]\napi_key = wrong-default-key\n\n[emu]\napi_key = %s\nbase_url = %s\n"
             "sender = sender-1\n",
             TS_KEY, env->url);
    cfg_write(&c, text, 0600);
    const char *send[] = {"--profile",    "emu",    "send", "--contact",
                          "+13231112233", "--text", "hi",   NULL};
    ts_cli cli;
    if (cfg_run(&c, &cli, send, NULL, false, NULL) != 0)
        fail_msg("send with the profile: exit %d: %s", cli.exit_code, cli.err);
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 1);
    loopmsg_emulator_request *q = ts_request(env, 0);
    assert_string_equal(q->authorization, TS_KEY);
    ts_assert_contains(q->body, "\"sender\":\"sender-1\"");
    loopmsg_emulator_request_free(q);

    /* LOOP_API_KEY beats the profile's key; --api-key beats LOOP_API_KEY. */
    const char *emu_profile[] = {"LOOP_PROFILE=emu", "LOOP_API_KEY=env-key-loses", NULL};
    const char *flagged[] = {"--api-key",    TS_KEY,   "send", "--contact",
                             "+13231112233", "--text", "hi",   NULL};
    assert_int_equal(cfg_run(&c, &cli, flagged, emu_profile, false, NULL), 0);
    ts_cli_free(&cli);
    q = ts_request(env, 1);
    assert_string_equal(q->authorization, TS_KEY);
    loopmsg_emulator_request_free(q);
    const char *env_key[] = {"LOOP_PROFILE=emu", "LOOP_API_KEY=env-key-wins", NULL};
    cfg_run(&c, &cli, send + 2, env_key, false, NULL);
    ts_cli_free(&cli);
    q = ts_request(env, 2);
    assert_string_equal(q->authorization, "env-key-wins");
    loopmsg_emulator_request_free(q);
    cfg_done(&c);
}

static void test_cli_config__unknown_profile_is_a_usage_error(void **state)
{
    ts_env *env = *state;
    cfg_env c;
    cfg_init(&c, env);
    const char *send[] = {"send", "--contact", "+13231112233", "--text", "hi", NULL};
    const char *flag_after[] = {"send", "--contact", "+13231112233", "--text",
                                "hi",   "--profile", "nope",         NULL};
    ts_cli cli;
    /* No file: an explicit profile cannot exist. */
    assert_int_equal(cfg_run(&c, &cli, flag_after, NULL, true, NULL), 2);
    ts_assert_contains(cli.err, "unknown profile 'nope' (--profile)");
    ts_cli_free(&cli);

    cfg_write(&c, two_profiles, 0600);
    assert_int_equal(cfg_run(&c, &cli, flag_after, NULL, true, NULL), 2);
    ts_assert_contains(cli.err, "profiles: default, work, other");
    ts_cli_free(&cli);
    const char *by_env[] = {"LOOP_PROFILE=nope", NULL};
    assert_int_equal(cfg_run(&c, &cli, send, by_env, true, NULL), 2);
    ts_assert_contains(cli.err, "unknown profile 'nope' (LOOP_PROFILE)");
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 0);

    /* [default] missing and not asked for: no error, built-in defaults. */
    cfg_write(&c, "[work]\nsender = s\n", 0600);
    assert_int_equal(cfg_run(&c, &cli, send, NULL, true, NULL), 0);
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 1);
    cfg_done(&c);
}

static void test_cli_config__open_file_with_secret_is_refused(void **state)
{
    ts_env *env = *state;
    cfg_env c;
    cfg_init(&c, env);
    const char *send[] = {"send", "--contact", "+13231112233", "--text", "hi", NULL};
    ts_cli cli;
    cfg_write(&c, "[default]\nwebhook_secret = " D_SECRET "\n", 0640);
    assert_int_equal(cfg_run(&c, &cli, send, NULL, true, NULL), 2);
    char fix[256];
    snprintf(fix, sizeof fix, "fix: chmod 600 %s", c.path);
    ts_assert_contains(cli.err, fix);
    ts_assert_contains(cli.err, "mode 0640");
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 0);

    /* No secret in it: 0644 is fine. */
    cfg_write(&c, "[default]\ntimeout_ms = 5000\n", 0644);
    assert_int_equal(cfg_run(&c, &cli, send, NULL, true, NULL), 0);
    ts_cli_free(&cli);

    /* config set is the other fix: it rewrites the file 0600. */
    cfg_write(&c, "[default]\napi_key = " D_API_KEY "\n", 0644);
    const char *set[] = {"config", "set", "sender", "s1", NULL};
    assert_int_equal(cfg_run(&c, &cli, set, NULL, true, NULL), 0);
    ts_cli_free(&cli);
    struct stat st;
    assert_int_equal(stat(c.path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);

    /* A malformed file is named with its line. */
    cfg_write(&c, "[default]\nsender = s\nthis is not ini\n", 0600);
    assert_int_equal(cfg_run(&c, &cli, send, NULL, true, NULL), 2);
    snprintf(fix, sizeof fix, "%s:3:", c.path);
    ts_assert_contains(cli.err, fix);
    ts_cli_free(&cli);
    cfg_done(&c);
}

static void test_cli_config__set_get_list_path(void **state)
{
    cfg_env c;
    cfg_init(&c, *state);
    ts_cli cli;

    /* path: HOME, then XDG_CONFIG_HOME, then LOOP_CONFIG. */
    const char *path[] = {"config", "path", NULL};
    assert_int_equal(cfg_run(&c, &cli, path, NULL, false, NULL), 0);
    char want[300];
    snprintf(want, sizeof want, "%s\n", c.path);
    assert_string_equal(cli.out, want);
    ts_cli_free(&cli);
    char xdg[128], xdg_path[200];
    snprintf(xdg, sizeof xdg, "XDG_CONFIG_HOME=%s/xdg", c.dir);
    snprintf(xdg_path, sizeof xdg_path, "%s/xdg/loopmsg/config", c.dir);
    const char *with_xdg[] = {xdg, NULL};
    assert_int_equal(cfg_run(&c, &cli, path, with_xdg, false, NULL), 0);
    snprintf(want, sizeof want, "%s\n", xdg_path);
    assert_string_equal(cli.out, want);
    ts_cli_free(&cli);
    const char *relative_xdg[] = {"XDG_CONFIG_HOME=relative", NULL};
    assert_int_equal(cfg_run(&c, &cli, path, relative_xdg, false, NULL), 0);
    snprintf(want, sizeof want, "%s\n", c.path);
    assert_string_equal(cli.out, want);
    ts_cli_free(&cli);
    const char *explicit_file[] = {xdg, "LOOP_CONFIG=/some/where/cfg", NULL};
    assert_int_equal(cfg_run(&c, &cli, path, explicit_file, false, NULL), 0);
    assert_string_equal(cli.out, "/some/where/cfg\n");
    ts_cli_free(&cli);

    /* set creates the directories and the file, 0600, in the XDG place. */
    const char *set_key[] = {"config", "set", "api_key", W_API_KEY, NULL};
    const char *set_url[] = {"--profile", "work", "config", "set", "base_url", "http://h", NULL};
    const char *set_sec[] = {"config", "set", "webhook_secret", "-", NULL};
    const char *set_retries[] = {"config", "set", "retries", "5", NULL};
    assert_int_equal(cfg_run(&c, &cli, set_key, with_xdg, false, NULL), 0);
    ts_cli_free(&cli);
    assert_int_equal(cfg_run(&c, &cli, set_url, with_xdg, false, NULL), 0);
    ts_cli_free(&cli);
    assert_int_equal(cfg_run(&c, &cli, set_sec, with_xdg, false, W_SECRET "\n"), 0);
    ts_cli_free(&cli);
    assert_int_equal(cfg_run(&c, &cli, set_retries, with_xdg, false, NULL), 0);
    ts_cli_free(&cli);
    struct stat st;
    assert_int_equal(stat(xdg_path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    char *text = ts_read_file(xdg_path, NULL);
    assert_string_equal(text, "[default]\napi_key = " W_API_KEY "\nwebhook_secret = " W_SECRET
                              "\nretries = 5\n\n[work]\nbase_url = http://h\n");
    free(text);
    /* No temporary file is left beside it. */
    char dir[200];
    snprintf(dir, sizeof dir, "%s/xdg/loopmsg", c.dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        files += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 1);

    /* get: secrets masked unless --show-secrets; a key not set exits 1. */
    const char *get_key[] = {"config", "get", "api_key", NULL};
    assert_int_equal(cfg_run(&c, &cli, get_key, with_xdg, false, NULL), 0);
    assert_string_equal(cli.out, "****************W002\n");
    ts_cli_free(&cli);
    const char *show[] = {"config", "get", "api_key", "--show-secrets", NULL};
    assert_int_equal(cfg_run(&c, &cli, show, with_xdg, false, NULL), 0);
    assert_string_equal(cli.out, W_API_KEY "\n");
    ts_cli_free(&cli);
    const char *get_url[] = {"config", "get", "base_url", "--profile", "work", NULL};
    assert_int_equal(cfg_run(&c, &cli, get_url, with_xdg, false, NULL), 0);
    assert_string_equal(cli.out, "http://h\n");
    ts_cli_free(&cli);
    const char *get_unset[] = {"config", "get", "sender", NULL};
    assert_int_equal(cfg_run(&c, &cli, get_unset, with_xdg, false, NULL), 1);
    assert_string_equal(cli.out, "");
    ts_cli_free(&cli);

    /* list masks every secret. */
    const char *list[] = {"config", "list", NULL};
    assert_int_equal(cfg_run(&c, &cli, list, with_xdg, false, NULL), 0);
    ts_assert_contains(cli.out, "api_key");
    ts_assert_contains(cli.out, "****************W012");
    if (strstr(cli.out, W_API_KEY) || strstr(cli.out, W_SECRET))
        fail_msg("config list shows a secret: %s", cli.out);
    ts_cli_free(&cli);

    /* '' removes a key; bad keys and values are usage errors and change nothing. */
    const char *unset[] = {"config", "set", "retries", "", NULL};
    assert_int_equal(cfg_run(&c, &cli, unset, with_xdg, false, NULL), 0);
    ts_cli_free(&cli);
    const char *bad_key[] = {"config", "set", "colour", "red", NULL};
    const char *bad_num[] = {"config", "set", "timeout_ms", "soon", NULL};
    const char *bad_comment[] = {"config", "set", "sender", "a ;b", NULL};
    const char *bad_name[] = {"--profile", "a]b", "config", "set", "sender", "x", NULL};
    const char *const *bad[] = {bad_key, bad_num, bad_comment, bad_name};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(cfg_run(&c, &cli, bad[i], with_xdg, false, NULL), 2);
        ts_cli_free(&cli);
    }
    text = ts_read_file(xdg_path, NULL);
    assert_string_equal(text, "[default]\napi_key = " W_API_KEY "\nwebhook_secret = " W_SECRET
                              "\n\n[work]\nbase_url = http://h\n");
    free(text);
    cfg_done(&c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_cli_config__precedence_every_key_every_level),
        T(test_cli_config__send_uses_the_profile),
        T(test_cli_config__unknown_profile_is_a_usage_error),
        T(test_cli_config__open_file_with_secret_is_refused),
        T(test_cli_config__set_get_list_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
