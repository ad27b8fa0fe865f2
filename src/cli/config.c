/* SPDX-License-Identifier: MIT */
/*
 * config.c: credential profiles. Finds the configuration file (LOOP_CONFIG, else
 * $XDG_CONFIG_HOME/loopmsg/config, else ~/.config/loopmsg/config), reads it with libinih,
 * refuses a file that holds a secret and is open to group or others, picks the profile
 * (--profile, LOOP_PROFILE, else [default]) and fills the settings that neither a flag nor
 * the environment gave (flag > environment > profile > built-in default). Also the
 * `loopmsg config set|get|list|path` command; `set` rewrites the file atomically (a
 * temporary file in the same directory, then rename) with mode 0600.
 *
 * It must not parse INI by hand (libinih does) nor ever print a secret unless asked to
 * with --show-secrets (get only).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The keys of a profile, in the order `config list` prints them. */
static const struct {
    const char *name;
    const char *env;
    const char *flag; /* the option that overrides it, NULL = none here */
    int secret;
} keys[CLI_KEY_COUNT] = {
    [CLI_KEY_API_KEY] = {"api_key", "LOOP_API_KEY", "--api-key", 1},
    [CLI_KEY_BASE_URL] = {"base_url", "LOOP_BASE_URL", "--base-url", 0},
    [CLI_KEY_SENDER] = {"sender", "LOOP_SENDER_ID", "--sender", 0},
    [CLI_KEY_WEBHOOK_SECRET] = {"webhook_secret", "LOOP_WEBHOOK_SECRET", "listen --secret", 1},
    [CLI_KEY_LOOKUP_API_KEY] = {"lookup_api_key", "LOOP_LOOKUP_API_KEY", NULL, 1},
    [CLI_KEY_TIMEOUT_MS] = {"timeout_ms", "LOOP_TIMEOUT_MS", "--timeout", 0},
    [CLI_KEY_RETRIES] = {"retries", "LOOP_RETRIES", "--retries", 0},
};

/* libinih's line buffer (INI_MAX_LINE in the Debian build): a longer line is an error. */
#define MAX_LINE 200

/* ---- the file, as a list of entries in file order ---------------------------------------- */

typedef struct cfg_entry {
    char *section;
    char *key;
    char *value;
} cfg_entry;

typedef struct cfg_file {
    cfg_entry *items;
    size_t count, cap;
    int nomem;
} cfg_file;

static void cfg_clear(cfg_file *f)
{
    for (size_t i = 0; i < f->count; i++) {
        free(f->items[i].section);
        free(f->items[i].key);
        if (f->items[i].value) {
            /* Values may be secrets: leave no copy behind in freed memory. */
            memset(f->items[i].value, 0, strlen(f->items[i].value));
            free(f->items[i].value);
        }
    }
    free(f->items);
    memset(f, 0, sizeof *f);
}

static cfg_entry *cfg_find(const cfg_file *f, const char *section, const char *key)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->items[i].section, section) == 0 && strcmp(f->items[i].key, key) == 0)
            return &f->items[i];
    return NULL;
}

static int cfg_has_section(const cfg_file *f, const char *section)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->items[i].section, section) == 0)
            return 1;
    return 0;
}

/* Set (or, with value NULL, remove) section.key. 0 or -1 (out of memory). */
static int cfg_set(cfg_file *f, const char *section, const char *key, const char *value)
{
    cfg_entry *e = cfg_find(f, section, key);
    if (e && !value) {
        memset(e->value, 0, strlen(e->value));
        free(e->value);
        free(e->section);
        free(e->key);
        size_t at = (size_t)(e - f->items);
        memmove(e, e + 1, (f->count - at - 1) * sizeof *e);
        f->count--;
        return 0;
    }
    if (!value)
        return 0;
    char *v = strdup(value);
    if (!v)
        return -1;
    if (e) {
        memset(e->value, 0, strlen(e->value));
        free(e->value);
        e->value = v;
        return 0;
    }
    if (f->count == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        cfg_entry *items = realloc(f->items, cap * sizeof *items);
        if (!items) {
            free(v);
            return -1;
        }
        f->items = items;
        f->cap = cap;
    }
    /* A new key goes after the last entry of its section, so that sections stay together. */
    size_t at = f->count;
    for (size_t i = f->count; i > 0; i--)
        if (strcmp(f->items[i - 1].section, section) == 0) {
            at = i;
            break;
        }
    cfg_entry n = {strdup(section), strdup(key), v};
    if (!n.section || !n.key) {
        free(n.section);
        free(n.key);
        free(v);
        return -1;
    }
    memmove(f->items + at + 1, f->items + at, (f->count - at) * sizeof *f->items);
    f->items[at] = n;
    f->count++;
    return 0;
}

/* libinih's handler: one call per "key = value"; a repeated key keeps its last value. */
static int on_ini_pair(void *user, const char *section, const char *name, const char *value)
{
    cfg_file *f = user;
    if (cfg_set(f, section, name, value) != 0) {
        f->nomem = 1;
        return 0;
    }
    return 1;
}

static int key_index(const char *name)
{
    for (int k = 0; k < CLI_KEY_COUNT; k++)
        if (strcmp(keys[k].name, name) == 0)
            return k;
    return -1;
}

static int cfg_holds_secret(const cfg_file *f)
{
    for (size_t i = 0; i < f->count; i++) {
        int k = key_index(f->items[i].key);
        if (k >= 0 && keys[k].secret && f->items[i].value[0])
            return 1;
    }
    return 0;
}

/* ---- finding and reading the file -------------------------------------------------------- */

int cli_config_path(char *buf, size_t size)
{
    const char *explicit_path = getenv("LOOP_CONFIG");
    if (explicit_path && *explicit_path) {
        snprintf(buf, size, "%s", explicit_path);
        return 0;
    }
    /* XDG Base Directory rules: an XDG_CONFIG_HOME that is not absolute is ignored. */
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && xdg[0] == '/') {
        snprintf(buf, size, "%s/loopmsg/config", xdg);
        return 0;
    }
    const char *home = getenv("HOME");
    if (home && home[0] == '/') {
        snprintf(buf, size, "%s/.config/loopmsg/config", home);
        return 0;
    }
    return -1; /* no HOME: no configuration file */
}

/*
 * Read path into f. A missing file is an empty configuration (0). With check_mode, a file
 * that holds a secret and is open to group or others is refused, as ssh refuses such a key.
 * Returns 0, or -1 after printing why to stderr.
 */
static int cfg_load(cfg_file *f, const char *path, int check_mode)
{
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "loopmsg: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "loopmsg: %s is not a regular file\n", path);
        fclose(fp);
        return -1;
    }
    int rc = ini_parse_file(fp, on_ini_pair, f);
    fclose(fp);
    if (f->nomem || rc == -2) {
        fprintf(stderr, "loopmsg: out of memory reading %s\n", path);
        cfg_clear(f);
        return -1;
    }
    if (rc != 0) {
        fprintf(stderr,
                "loopmsg: %s:%d: not a '[profile]' or 'key = value' line (or longer than %d "
                "characters)\n",
                path, rc, MAX_LINE - 1);
        cfg_clear(f);
        return -1;
    }
    if (check_mode && (st.st_mode & 077) && cfg_holds_secret(f)) {
        fprintf(stderr,
                "loopmsg: %s holds secrets and is accessible by others (mode %04o); refusing "
                "to use it.\nloopmsg: fix: chmod 600 %s\n",
                path, (unsigned int)(st.st_mode & 07777), path);
        cfg_clear(f);
        return -1;
    }
    return 0;
}

/* The profile to use: --profile, else LOOP_PROFILE, else "default" (*explicit = 0). */
static const char *selected_profile(const cli_globals *g, int *explicit_out, const char **by)
{
    const char *env = getenv("LOOP_PROFILE");
    *explicit_out = 1;
    if (g->profile && *g->profile) {
        *by = "--profile";
        return g->profile;
    }
    if (env && *env) {
        *by = "LOOP_PROFILE";
        return env;
    }
    *explicit_out = 0;
    *by = NULL;
    return "default";
}

static void print_profiles(const cfg_file *f)
{
    int n = 0;
    for (size_t i = 0; i < f->count; i++) {
        const char *s = f->items[i].section;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(f->items[j].section, s) == 0;
        if (seen || !*s)
            continue;
        fprintf(stderr, "%s%s", n++ ? ", " : "", s);
    }
    if (!n)
        fputs("none", stderr);
}

/* ---- resolution -------------------------------------------------------------------------- */

static const char *env_value(cli_key k)
{
    const char *v = getenv(keys[k].env);
    return v && *v ? v : NULL;
}

const char *cli_setting(const cli_globals *g, cli_key k)
{
    if (g->flag[k])
        return g->flag[k];
    const char *env = env_value(k);
    if (env)
        return env;
    return g->profile_value[k];
}

/* Where a setting comes from, for `config list`: "flag", "env", "profile" or "default". */
static const char *setting_source(const cli_globals *g, cli_key k)
{
    if (g->flag[k])
        return "flag";
    if (env_value(k))
        return "env";
    if (g->profile_value[k])
        return "profile";
    return "default";
}

/* Copy the selected profile's keys into g->profile_value (owned), and apply timeout_ms and
 * retries when no flag or variable gave them. */
static int take_profile(cli_globals *g, const cfg_file *f, const char *path, const char *name)
{
    for (int k = 0; k < CLI_KEY_COUNT; k++) {
        const cfg_entry *e = cfg_find(f, name, keys[k].name);
        if (!e || !e->value[0])
            continue;
        g->profile_value[k] = strdup(e->value);
        if (!g->profile_value[k]) {
            fprintf(stderr, "loopmsg: out of memory\n");
            return -1;
        }
    }
    long v;
    if (!g->flag[CLI_KEY_TIMEOUT_MS] && !env_value(CLI_KEY_TIMEOUT_MS) &&
        g->profile_value[CLI_KEY_TIMEOUT_MS]) {
        if (cli_parse_long(g->profile_value[CLI_KEY_TIMEOUT_MS], 1, 3600000, &v) != 0) {
            fprintf(stderr, "loopmsg: %s: [%s] timeout_ms: expected milliseconds (1..3600000)\n",
                    path, name);
            return -1;
        }
        g->timeout_ms = v;
    }
    if (!g->flag[CLI_KEY_RETRIES] && !env_value(CLI_KEY_RETRIES) &&
        g->profile_value[CLI_KEY_RETRIES]) {
        if (cli_parse_long(g->profile_value[CLI_KEY_RETRIES], 0, 100, &v) != 0) {
            fprintf(stderr, "loopmsg: %s: [%s] retries: expected a number (0..100)\n", path, name);
            return -1;
        }
        g->retries = v;
    }
    return 0;
}

int cli_config_apply(cli_globals *g)
{
    if (g->config_applied)
        return 0;
    g->config_applied = 1;
    int explicit_profile;
    const char *by;
    const char *name = selected_profile(g, &explicit_profile, &by);
    char path[4096];
    if (cli_config_path(path, sizeof path) != 0) {
        if (explicit_profile) {
            fprintf(stderr, "loopmsg: profile '%s' (%s): no configuration file (HOME is not set)\n",
                    name, by);
            return -1;
        }
        return 0;
    }
    cfg_file f;
    if (cfg_load(&f, path, 1) != 0)
        return -1;
    int rc = 0;
    if (!cfg_has_section(&f, name)) {
        if (explicit_profile) {
            fprintf(stderr, "loopmsg: unknown profile '%s' (%s) in %s; profiles: ", name, by, path);
            print_profiles(&f);
            fputs("\nTry 'loopmsg config list'.\n", stderr);
            rc = -1;
        }
    } else {
        rc = take_profile(g, &f, path, name);
    }
    cfg_clear(&f);
    return rc;
}

void cli_globals_clear(cli_globals *g)
{
    for (int k = 0; k < CLI_KEY_COUNT; k++) {
        if (g->profile_value[k]) {
            memset(g->profile_value[k], 0, strlen(g->profile_value[k]));
            free(g->profile_value[k]);
            g->profile_value[k] = NULL;
        }
    }
}

/* ---- writing ----------------------------------------------------------------------------- */

/* mkdir -p for the directory part of path, mode 0700 for what it creates. */
static int make_parent_dirs(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static void write_entries(FILE *fp, const cfg_file *f)
{
    /* Keys before any section header (libinih's section "") stay first, without one. */
    for (size_t i = 0; i < f->count; i++)
        if (!f->items[i].section[0])
            fprintf(fp, "%s = %s\n", f->items[i].key, f->items[i].value);
    int first = 1;
    for (size_t i = 0; i < f->count; i++) {
        const char *s = f->items[i].section;
        if (!s[0] || (i > 0 && strcmp(f->items[i - 1].section, s) == 0))
            continue;
        fprintf(fp, "%s[%s]\n", first && !cfg_has_section(f, "") ? "" : "\n", s);
        first = 0;
        for (size_t j = i; j < f->count && strcmp(f->items[j].section, s) == 0; j++)
            fprintf(fp, "%s = %s\n", f->items[j].key, f->items[j].value);
    }
}

/* Write f to path atomically: a temporary file beside it (mode 0600), then rename. */
static int cfg_save(const cfg_file *f, const char *path)
{
    if (make_parent_dirs(path) != 0) {
        fprintf(stderr, "loopmsg: cannot create the directory of %s: %s\n", path, strerror(errno));
        return -1;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp); /* created 0600 */
    if (fd < 0) {
        fprintf(stderr, "loopmsg: cannot write beside %s: %s\n", path, strerror(errno));
        return -1;
    }
    FILE *fp = fdopen(fd, "w");
    if (!fp) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    write_entries(fp, f);
    int bad = fflush(fp) != 0 || fchmod(fd, 0600) != 0 || fsync(fd) != 0;
    bad |= fclose(fp) != 0;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "loopmsg: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ---- the config command ------------------------------------------------------------------ */

static const char usage[] =
    "usage: loopmsg config set KEY VALUE   write KEY in the profile (VALUE '-': read a line\n"
    "                                    from standard input; '' removes the key)\n"
    "       loopmsg config get KEY [--show-secrets]\n"
    "                                    print KEY as the profile's file holds it; secrets\n"
    "                                    are masked unless --show-secrets\n"
    "       loopmsg config list          every setting in effect, where it comes from\n"
    "                                    (flag, env, profile, default); secrets masked\n"
    "       loopmsg config path          the configuration file in use\n"
    "\n"
    "The profile is --profile NAME, else $LOOP_PROFILE, else [default]. The file is\n"
    "$LOOP_CONFIG, else $XDG_CONFIG_HOME/loopmsg/config, else ~/.config/loopmsg/config.\n"
    "Keys: api_key base_url sender webhook_secret lookup_api_key timeout_ms retries.\n"
    "Precedence: flag > environment > profile > built-in default.\n";

enum { O_SHOW_SECRETS = 256 };

static const struct option config_opts[] = {
    {"show-secrets", no_argument, NULL, O_SHOW_SECRETS},
    {NULL, 0, NULL, 0},
};

static int on_opt(int id, const char *arg, void *user_data)
{
    (void)arg;
    if (id == O_SHOW_SECRETS) {
        *(int *)user_data = 1;
        return 0;
    }
    return -1;
}

/* A secret as `list` and `get` show it: its last four characters when it is long enough
 * that they give nothing away, as the AWS CLI does. */
static void mask(const char *value, char *buf, size_t size)
{
    size_t n = strlen(value);
    if (n >= 16)
        snprintf(buf, size, "****************%s", value + n - 4);
    else
        snprintf(buf, size, "********");
}

/* Refuse what libinih could not read back as it was written. */
static int check_value(const char *key, const char *v)
{
    size_t n = strlen(v);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7F)
            return cli_usage_error("config", "%s: the value contains control characters", key);
    if (n && (v[0] == ' ' || v[n - 1] == ' '))
        return cli_usage_error("config", "%s: the value starts or ends with a space", key);
    if (strstr(v, " ;"))
        return cli_usage_error("config", "%s: ' ;' would start a comment in the file", key);
    if (strlen(key) + 3 + n >= MAX_LINE)
        return cli_usage_error("config", "%s: the value is longer than %d characters", key,
                               (int)(MAX_LINE - 4 - strlen(key)));
    long l;
    if (n && strcmp(key, "timeout_ms") == 0 && cli_parse_long(v, 1, 3600000, &l) != 0)
        return cli_usage_error("config", "timeout_ms: expected milliseconds (1..3600000)");
    if (n && strcmp(key, "retries") == 0 && cli_parse_long(v, 0, 100, &l) != 0)
        return cli_usage_error("config", "retries: expected a number (0..100)");
    return 0;
}

static int check_profile_name(const char *name)
{
    if (!*name)
        return cli_usage_error("config", "the profile name is empty");
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return cli_usage_error(
                "config", "profile '%s': use letters, digits, '-', '_' and '.' only", name);
    }
    return 0;
}

static int config_set(const cli_globals *g, const char *path, const char *key,
                      const char *value_arg)
{
    if (key_index(key) < 0)
        return cli_usage_error("config", "unknown key '%s'", key);
    int explicit_profile;
    const char *by;
    const char *name = selected_profile(g, &explicit_profile, &by);
    int rc = check_profile_name(name);
    if (rc)
        return rc;
    char line[MAX_LINE + 2];
    const char *value = value_arg;
    if (strcmp(value_arg, "-") == 0) {
        /* A secret on the command line lands in the shell's history: read it instead. */
        if (!fgets(line, sizeof line, stdin))
            line[0] = '\0';
        line[strcspn(line, "\r\n")] = '\0';
        value = line;
    }
    rc = check_value(key, value);
    if (rc) {
        memset(line, 0, sizeof line);
        return rc;
    }
    cfg_file f;
    if (cfg_load(&f, path, 0) != 0) {
        memset(line, 0, sizeof line);
        return CLI_EXIT_ERROR;
    }
    rc = CLI_EXIT_OK;
    if (cfg_set(&f, name, key, *value ? value : NULL) != 0) {
        fprintf(stderr, "loopmsg: out of memory\n");
        rc = CLI_EXIT_ERROR;
    } else if (cfg_save(&f, path) != 0) {
        rc = CLI_EXIT_ERROR;
    }
    memset(line, 0, sizeof line);
    cfg_clear(&f);
    return rc;
}

static int config_get(const cli_globals *g, const char *path, const char *key, int show_secrets)
{
    int k = key_index(key);
    if (k < 0)
        return cli_usage_error("config", "unknown key '%s'", key);
    int explicit_profile;
    const char *by;
    const char *name = selected_profile(g, &explicit_profile, &by);
    cfg_file f;
    if (cfg_load(&f, path, 1) != 0)
        return CLI_EXIT_USAGE;
    if (explicit_profile && !cfg_has_section(&f, name)) {
        fprintf(stderr, "loopmsg config: unknown profile '%s' (%s) in %s; profiles: ", name, by,
                path);
        print_profiles(&f);
        fputc('\n', stderr);
        cfg_clear(&f);
        return CLI_EXIT_USAGE;
    }
    const cfg_entry *e = cfg_find(&f, name, key);
    int rc = CLI_EXIT_OK;
    if (!e || !e->value[0]) {
        rc = CLI_EXIT_ERROR; /* as `git config` and `aws configure get`: not set */
    } else if (keys[k].secret && !show_secrets) {
        char m[64];
        mask(e->value, m, sizeof m);
        printf("%s\n", m);
        fprintf(stderr, "loopmsg config: %s is a secret; --show-secrets prints it\n", key);
    } else {
        printf("%s\n", e->value);
    }
    cfg_clear(&f);
    return rc;
}

static int config_list(cli_globals *g, const char *path)
{
    if (cli_config_apply(g) != 0)
        return CLI_EXIT_USAGE;
    int explicit_profile;
    const char *by;
    const char *name = selected_profile(g, &explicit_profile, &by);
    json_t *o = g->json ? json_object() : NULL;
    if (o) {
        json_object_set_new(o, "file", json_string(path));
        json_object_set_new(o, "profile", json_string(name));
    } else {
        printf("%-15s %s\n", "file", path);
        printf("%-15s %s%s%s%s\n", "profile", name, by ? " (" : "", by ? by : "", by ? ")" : "");
    }
    for (int k = 0; k < CLI_KEY_COUNT; k++) {
        const char *v = cli_setting(g, (cli_key)k);
        const char *src = setting_source(g, (cli_key)k);
        char m[64];
        if (v && keys[k].secret) {
            mask(v, m, sizeof m);
            v = m;
        }
        if (o) {
            json_t *s = json_pack("{s:s?, s:s}", "value", v, "source", src);
            json_object_set_new(o, keys[k].name, s);
            continue;
        }
        char where[128];
        if (!strcmp(src, "env"))
            snprintf(where, sizeof where, "env %s", keys[k].env);
        else if (!strcmp(src, "profile"))
            snprintf(where, sizeof where, "profile %s", name);
        else if (!strcmp(src, "flag"))
            snprintf(where, sizeof where, "flag %s", keys[k].flag ? keys[k].flag : "");
        else
            snprintf(where, sizeof where, "default");
        printf("%-15s %-28s %s\n", keys[k].name, v ? v : "-", where);
    }
    if (o) {
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
    }
    return CLI_EXIT_OK;
}

static const struct {
    const char *verb;
    int npos;
} arity[] = {{"set", 2}, {"get", 1}, {"list", 0}, {"path", 0}};

size_t cli_config_verbs(const char *group, const char **out, size_t max)
{
    (void)group;
    size_t n = 0;
    for (size_t i = 0; i < sizeof arity / sizeof arity[0] && n < max; i++)
        out[n++] = arity[i].verb;
    return n;
}

int cli_cmd_config(cli_globals *g, int argc, char **argv)
{
    int show_secrets = 0;
    /* The profile is resolved here, not in cli_parse: `set` and `path` must work on a file
     * that the others refuse (set rewrites it 0600, which is the fix). */
    g->config_applied = 1;
    int first = cli_parse(g, argc, argv, config_opts, on_opt, &show_secrets, usage);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;
    if (first >= argc)
        return cli_usage_error("config", "a subcommand is required (set, get, list, path)");
    const char *verb = argv[first];
    int npos = argc - first - 1;
    char **pos = argv + first + 1;
    char path[4096];
    int have_path = cli_config_path(path, sizeof path) == 0;
    size_t i = 0;
    while (i < sizeof arity / sizeof arity[0] && strcmp(arity[i].verb, verb) != 0)
        i++;
    if (i == sizeof arity / sizeof arity[0])
        return cli_usage_error("config", "unknown subcommand '%s'", verb);
    if (npos != arity[i].npos)
        return cli_usage_error("config", "%s takes %d argument(s), got %d", verb, arity[i].npos,
                               npos);
    if (!have_path) {
        fprintf(stderr, "loopmsg config: no configuration file: set HOME, XDG_CONFIG_HOME or "
                        "LOOP_CONFIG\n");
        return CLI_EXIT_ERROR;
    }
    if (strcmp(verb, "path") == 0) {
        printf("%s\n", path);
        return CLI_EXIT_OK;
    }
    if (strcmp(verb, "set") == 0)
        return config_set(g, path, pos[0], pos[1]);
    if (strcmp(verb, "get") == 0)
        return config_get(g, path, pos[0], show_secrets);
    g->config_applied = 0;
    return config_list(g, path);
}
