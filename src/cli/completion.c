/* SPDX-License-Identifier: MIT */
/*
 * completion.c: `loopmsg completion bash|zsh|fish` prints the shell's completion script,
 * generated at run time from the tables the parsers use: the global option table
 * (util.c), the registry of commands (main.c) with each command's subcommand table, and
 * each command's own option table, which cli_parse hands over in describe mode
 * (cli_describe) so that no table is copied here. The build runs it to make the installed
 * scripts. It must not hold any list of commands or options of its own.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define MAX_OPTS   160
#define MAX_VERBS  32
#define MAX_TABLES 8

typedef struct comp_opt {
    const char *name;
    int takes_arg;
} comp_opt;

typedef struct comp_cmd {
    const char *name;
    comp_opt opts[MAX_OPTS];
    size_t nopts;
    const char *verbs[MAX_VERBS];
    size_t nverbs;
} comp_cmd;

static const char *const shells[] = {"bash", "zsh", "fish"};

size_t cli_completion_verbs(const char *group, const char **out, size_t max)
{
    (void)group;
    size_t n = 0;
    for (size_t i = 0; i < sizeof shells / sizeof shells[0] && n < max; i++)
        out[n++] = shells[i];
    return n;
}

static void add_opts(comp_opt *opts, size_t *n, const struct option *t, size_t count)
{
    for (size_t i = 0; (count ? i < count : t[i].name != NULL); i++) {
        size_t k = 0;
        while (k < *n && strcmp(opts[k].name, t[i].name) != 0)
            k++;
        if (k < *n || *n == MAX_OPTS)
            continue;
        opts[*n].name = t[i].name;
        opts[*n].takes_arg = t[i].has_arg != no_argument;
        (*n)++;
    }
}

/* Ask the command's parser for its table(s): once without a subcommand and once per
 * subcommand, since a group may route some verbs to another dispatcher. */
static void describe(const cli_command *c, comp_cmd *out)
{
    memset(out, 0, sizeof *out);
    out->name = c->name;
    if (c->verbs)
        out->nverbs = c->verbs(c->name, out->verbs, MAX_VERBS);
    const struct option *tables[MAX_TABLES];
    memset(tables, 0, sizeof tables);
    cli_describe(tables, MAX_TABLES);
    for (size_t v = 0; v <= out->nverbs; v++) {
        cli_globals g;
        memset(&g, 0, sizeof g);
        g.config_applied = 1;
        char *argv[3] = {(char *)c->name, v ? (char *)out->verbs[v - 1] : NULL, NULL};
        (void)c->fn(&g, v ? 2 : 1, argv);
    }
    cli_describe(NULL, 0);
    for (size_t t = 0; t < MAX_TABLES && tables[t]; t++)
        add_opts(out->opts, &out->nopts, tables[t], 0);
}

typedef struct model {
    comp_opt globals[MAX_OPTS];
    size_t nglobals;
    comp_cmd *cmds;
    size_t ncmds;
    comp_opt with_arg[MAX_OPTS * 2]; /* every option that takes a value, anywhere */
    size_t nwith_arg;
} model;

static int build(model *m)
{
    memset(m, 0, sizeof *m);
    size_t n;
    const struct option *g = cli_global_options(&n);
    add_opts(m->globals, &m->nglobals, g, n);
    m->cmds = calloc(cli_command_count, sizeof *m->cmds);
    if (!m->cmds)
        return -1;
    m->ncmds = cli_command_count;
    for (size_t i = 0; i < cli_command_count; i++)
        describe(&cli_commands[i], &m->cmds[i]);
    for (size_t i = 0; i < m->nglobals; i++)
        if (m->globals[i].takes_arg)
            m->with_arg[m->nwith_arg++] = m->globals[i];
    for (size_t i = 0; i < m->ncmds; i++)
        for (size_t k = 0; k < m->cmds[i].nopts; k++) {
            if (!m->cmds[i].opts[k].takes_arg || m->nwith_arg == MAX_OPTS * 2)
                continue;
            size_t j = 0;
            while (j < m->nwith_arg && strcmp(m->with_arg[j].name, m->cmds[i].opts[k].name))
                j++;
            if (j == m->nwith_arg)
                m->with_arg[m->nwith_arg++] = m->cmds[i].opts[k];
        }
    return 0;
}

static void print_opts(const comp_opt *o, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s--%s", i ? " " : "", o[i].name);
}

static void print_words(const char *const *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? " " : "", w[i]);
}

static void print_command_names(const model *m)
{
    for (size_t i = 0; i < m->ncmds; i++)
        printf("%s%s", i ? " " : "", m->cmds[i].name);
}

/* Values known for an option's argument: (option, words). */
static const char *const value_words[][2] = {
    {"log-format", "text json"},
};

/* What bash and zsh spell differently in the parts of their scripts that are the same: where
 * the words typed so far are, how a list is written, how to ask whether an option takes an
 * argument, and how to offer an option's known values. */
typedef struct sh_dialect {
    const char *first, *count, *word; /* the words after "loopmsg": first..count-1 */
    const char *takes_arg;            /* a test that $w takes an argument */
    const char *local;                /* how the lists are declared: "local " (bash) or "" */
    const char *open, *close;         /* a list: '...' (bash) or (...) (zsh) */
    const char *pad;                  /* around with_arg's words: bash matches " $w " in it */
    const char *offer, *offer_end;    /* offering words: offer WORDS offer_end */
} sh_dialect;

static const sh_dialect bash_dialect = {
    "1",
    "COMP_CWORD",
    "COMP_WORDS[i]",
    "[[ $w != *=* && $with_arg == *\" $w \"* ]]",
    "local ",
    "'",
    "'",
    " ",
    "COMPREPLY=($(compgen -W '",
    "' -- \"$cur\"))",
};

static const sh_dialect zsh_dialect = {
    "2", "CURRENT", "words[i]", "(( ${with_arg[(Ie)$w]} ))", "", "(", ")", "", "compadd -- ", "",
};

/* The lists: the commands, the global options, and the options that take an argument. */
static void emit_sh_lists(const model *m, const sh_dialect *d)
{
    printf("    %scommands=%s", d->local, d->open);
    print_command_names(m);
    printf("%s\n    %sglobals=%s", d->close, d->local, d->open);
    print_opts(m->globals, m->nglobals);
    printf("%s\n    %swith_arg=%s%s", d->close, d->local, d->open, d->pad);
    print_opts(m->with_arg, m->nwith_arg);
    printf("%s%s\n", d->pad, d->close);
}

/* The scan of the words typed so far: options (and the argument of one that takes it) are
 * skipped; the first other word is the command, the second its subcommand. */
static void emit_sh_scan(const sh_dialect *d)
{
    printf("    for ((i = %s; i < %s; i++)); do\n"
           "        w=${%s}\n"
           "        if [[ $w == -* ]]; then\n"
           "            %s && ((i++))\n"
           "        elif [[ -z $cmd ]]; then\n"
           "            cmd=$w\n"
           "        elif [[ -z $sub ]]; then\n"
           "            sub=$w\n"
           "        fi\n"
           "    done\n",
           d->first, d->count, d->word, d->takes_arg);
}

/* The known values of options' arguments, as cases of `case $prev`. */
static void emit_sh_values(const sh_dialect *d)
{
    for (size_t i = 0; i < sizeof value_words / sizeof value_words[0]; i++)
        printf("        --%s) %s%s%s ;;\n", value_words[i][0], d->offer, value_words[i][1],
               d->offer_end);
}

/* Each command's options and subcommands, as cases of `case $cmd`. */
static void emit_sh_commands(const model *m, const sh_dialect *d)
{
    for (size_t i = 0; i < m->ncmds; i++) {
        const comp_cmd *c = &m->cmds[i];
        printf("    %s) opts=%s", c->name, d->open);
        print_opts(c->opts, c->nopts);
        printf("%s verbs=%s", d->close, d->open);
        print_words(c->verbs, c->nverbs);
        printf("%s ;;\n", d->close);
    }
}

static void emit_bash(const model *m)
{
    printf("# bash completion for loopmsg; generated by 'loopmsg completion bash'.\n"
           "_loopmsg()\n{\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=\n"
           "    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n");
    emit_sh_lists(m, &bash_dialect);
    printf("    local cmd= sub= i w\n");
    emit_sh_scan(&bash_dialect);
    printf("    if [[ $with_arg == *\" $prev \"* ]]; then\n"
           "        case $prev in\n");
    emit_sh_values(&bash_dialect);
    printf("        *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
           "        esac\n"
           "        return 0\n"
           "    fi\n"
           "    local opts= verbs=\n"
           "    case $cmd in\n");
    emit_sh_commands(m, &bash_dialect);
    printf("    esac\n"
           "    if [[ $cur == -* ]]; then\n"
           "        COMPREPLY=($(compgen -W \"$opts $globals\" -- \"$cur\"))\n"
           "    elif [[ -z $cmd ]]; then\n"
           "        COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
           "    elif [[ -n $verbs && -z $sub ]]; then\n"
           "        COMPREPLY=($(compgen -W \"$verbs\" -- \"$cur\"))\n"
           "    else\n"
           "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
           "    fi\n"
           "    return 0\n"
           "}\n"
           "complete -F _loopmsg loopmsg\n");
}

static void emit_zsh(const model *m)
{
    printf("#compdef loopmsg\n"
           "# zsh completion for loopmsg; generated by 'loopmsg completion zsh'.\n"
           "_loopmsg() {\n"
           "    local -a commands globals with_arg opts verbs\n");
    emit_sh_lists(m, &zsh_dialect);
    printf("    local cmd= sub= i w prev=${words[CURRENT-1]}\n");
    emit_sh_scan(&zsh_dialect);
    printf("    if (( ${with_arg[(Ie)$prev]} )); then\n"
           "        case $prev in\n");
    emit_sh_values(&zsh_dialect);
    printf("        *) _files ;;\n"
           "        esac\n"
           "        return\n"
           "    fi\n"
           "    case $cmd in\n");
    emit_sh_commands(m, &zsh_dialect);
    printf("    esac\n"
           "    if [[ $PREFIX == -* ]]; then\n"
           "        compadd -- $opts $globals\n"
           "    elif [[ -z $cmd ]]; then\n"
           "        compadd -- $commands\n"
           "    elif (( $#verbs )) && [[ -z $sub ]]; then\n"
           "        compadd -- $verbs\n"
           "    else\n"
           "        _files\n"
           "    fi\n"
           "}\n"
           "if [[ $funcstack[1] == _loopmsg ]]; then\n"
           "    _loopmsg \"$@\"\n"
           "else\n"
           "    compdef _loopmsg loopmsg\n"
           "fi\n");
}

static void fish_option(const char *cond, const comp_opt *o)
{
    const char *words = NULL;
    for (size_t i = 0; i < sizeof value_words / sizeof value_words[0]; i++)
        if (strcmp(value_words[i][0], o->name) == 0)
            words = value_words[i][1];
    printf("complete -c loopmsg");
    if (cond)
        printf(" -n '%s'", cond);
    printf(" -l %s", o->name);
    if (words)
        printf(" -x -a '%s'", words);
    else if (o->takes_arg)
        printf(" -r");
    putchar('\n');
}

static void emit_fish(const model *m)
{
    printf("# fish completion for loopmsg; generated by 'loopmsg completion fish'.\n"
           "complete -c loopmsg -f\n"
           "complete -c loopmsg -n __fish_use_subcommand -a '");
    print_command_names(m);
    printf("'\n");
    for (size_t i = 0; i < m->nglobals; i++)
        fish_option(NULL, &m->globals[i]);
    for (size_t i = 0; i < m->ncmds; i++) {
        const comp_cmd *c = &m->cmds[i];
        char cond[128];
        snprintf(cond, sizeof cond, "__fish_seen_subcommand_from %s", c->name);
        for (size_t k = 0; k < c->nopts; k++)
            fish_option(cond, &c->opts[k]);
        if (!c->nverbs)
            continue;
        printf("complete -c loopmsg -n '%s; and not __fish_seen_subcommand_from ", cond);
        print_words(c->verbs, c->nverbs);
        printf("' -a '");
        print_words(c->verbs, c->nverbs);
        printf("'\n");
    }
}

static const char usage[] = "usage: loopmsg completion bash|zsh|fish [--help]\n"
                            "\n"
                            "Print the completion script of the shell. To use it at once:\n"
                            "  bash:  source <(loopmsg completion bash)\n"
                            "  zsh:   source <(loopmsg completion zsh)\n"
                            "  fish:  loopmsg completion fish | source\n"
                            "'make install' installs the three where each shell looks.\n";

int cli_cmd_completion(cli_globals *g, int argc, char **argv)
{
    g->config_applied = 1; /* no profile needed to print a script */
    int first = cli_parse(g, argc, argv, NULL, NULL, NULL, usage);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;
    if (argc - first != 1)
        return cli_usage_error("completion", "expected one shell: bash, zsh or fish");
    const char *shell = argv[first];
    void (*emit)(const model *) = strcmp(shell, "bash") == 0   ? emit_bash
                                  : strcmp(shell, "zsh") == 0  ? emit_zsh
                                  : strcmp(shell, "fish") == 0 ? emit_fish
                                                               : NULL;
    if (!emit)
        return cli_usage_error("completion", "unknown shell '%s' (bash, zsh or fish)", shell);
    model m;
    if (build(&m) != 0) {
        fprintf(stderr, "loopmsg: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    emit(&m);
    free(m.cmds);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}
