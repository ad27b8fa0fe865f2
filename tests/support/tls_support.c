/* SPDX-License-Identifier: MIT */
/*
 * tls_support.c: throwaway certificates through the `openssl` command, and a CONNECT proxy
 * written with plain sockets and one thread per connection. The proxy parses the request
 * head only; once a tunnel is up it relays bytes both ways without looking at them.
 */
#define _GNU_SOURCE
#include "tls_support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- certificates ---------------------------------------------------------------------- */

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    int rc = system(cmd);
    return rc == 0 ? 0 : -1;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* A self-signed CA (EC P-256: fast to make and to verify). */
static int make_ca(const char *dir, const char *name, const char *cn)
{
    return run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
               "-keyout '%s/%s.key' -out '%s/%s.pem' -days 2 -subj '/CN=%s' "
               "-addext 'basicConstraints=critical,CA:TRUE' "
               "-addext 'keyUsage=critical,keyCertSign,cRLSign' >/dev/null 2>&1",
               dir, name, dir, name, cn);
}

int ts_tls_make(ts_tls *t)
{
    memset(t, 0, sizeof *t);
    if (system("command -v openssl >/dev/null 2>&1") != 0)
        return -1;
    snprintf(t->dir, sizeof t->dir, "/tmp/loopmsg-tls-XXXXXX");
    if (!mkdtemp(t->dir))
        return -1;
    snprintf(t->ca_pem, sizeof t->ca_pem, "%s/ca.pem", t->dir);
    snprintf(t->other_ca_pem, sizeof t->other_ca_pem, "%s/other.pem", t->dir);
    snprintf(t->ca_dir, sizeof t->ca_dir, "%s/cadir", t->dir);
    snprintf(t->server_pem, sizeof t->server_pem, "%s/server.pem", t->dir);
    snprintf(t->server_key, sizeof t->server_key, "%s/server.key", t->dir);
    char ext[128];
    snprintf(ext, sizeof ext, "%s/server.ext", t->dir);
    if (make_ca(t->dir, "ca", "libloopmsg test CA") != 0 ||
        make_ca(t->dir, "other", "libloopmsg unrelated CA") != 0 ||
        write_text(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                        "basicConstraints=CA:FALSE\n"
                        "keyUsage=critical,digitalSignature\n"
                        "extendedKeyUsage=serverAuth\n") != 0 ||
        run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
            "-keyout '%s' -out '%s/server.csr' -subj '/CN=127.0.0.1' >/dev/null 2>&1",
            t->server_key, t->dir) != 0 ||
        run("openssl x509 -req -in '%s/server.csr' -CA '%s' -CAkey '%s/ca.key' "
            "-CAcreateserial -out '%s' -days 2 -extfile '%s' >/dev/null 2>&1",
            t->dir, t->ca_pem, t->dir, t->server_pem, ext) != 0 ||
        mkdir(t->ca_dir, 0700) != 0 ||
        run("cp '%s' '%s/ca.pem' && openssl rehash '%s' >/dev/null 2>&1", t->ca_pem, t->ca_dir,
            t->ca_dir) != 0) {
        ts_tls_remove(t);
        return -1;
    }
    return 0;
}

void ts_tls_remove(ts_tls *t)
{
    if (t->dir[0] && strncmp(t->dir, "/tmp/loopmsg-tls-", 17) == 0)
        (void)run("rm -rf '%s'", t->dir);
    t->dir[0] = '\0';
}

/* ---- CONNECT proxy --------------------------------------------------------------------- */

#define MAX_CONNS 256

struct ts_proxy {
    int listen_fd;
    uint16_t port;
    pthread_t acceptor;
    pthread_mutex_t lock;
    int stopping;
    unsigned int connects, refused;
    char *log;
    size_t log_len;
    struct conn {
        pthread_t thread;
        int fd;
        int upstream;
        struct ts_proxy *proxy;
    } conns[MAX_CONNS];
    size_t conn_count;
};

static void log_append(struct ts_proxy *p, const char *data, size_t len)
{
    pthread_mutex_lock(&p->lock);
    char *n = realloc(p->log, p->log_len + len + 1);
    if (n) {
        memcpy(n + p->log_len, data, len);
        p->log_len += len;
        n[p->log_len] = '\0';
        p->log = n;
    }
    pthread_mutex_unlock(&p->lock);
}

static int write_all(int fd, const char *b, size_t n)
{
    while (n) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

static void relay(int a, int b)
{
    char buf[16384];
    struct pollfd fds[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        for (int i = 0; i < 2; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = recv(fds[i].fd, buf, sizeof buf, 0);
            if (r <= 0 || write_all(fds[1 - i].fd, buf, (size_t)r) != 0)
                return;
        }
    }
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    struct ts_proxy *p = c->proxy;
    char head[4096];
    size_t len = 0;
    while (len < sizeof head - 1) {
        ssize_t r = recv(c->fd, head + len, sizeof head - 1 - len, 0);
        if (r <= 0)
            return NULL;
        len += (size_t)r;
        head[len] = '\0';
        if (strstr(head, "\r\n\r\n"))
            break;
    }
    log_append(p, head, len);
    char host[256];
    unsigned int port = 0;
    if (sscanf(head, "CONNECT %255[^:]:%u HTTP/1.", host, &port) != 2 || port == 0 ||
        port > 65535) {
        pthread_mutex_lock(&p->lock);
        p->refused++;
        pthread_mutex_unlock(&p->lock);
        static const char no[] = "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n";
        (void)write_all(c->fd, no, sizeof no - 1);
        return NULL;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (up < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
        connect(up, (struct sockaddr *)&sa, sizeof sa) != 0) {
        static const char bad[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
        (void)write_all(c->fd, bad, sizeof bad - 1);
        if (up >= 0)
            close(up);
        return NULL;
    }
    pthread_mutex_lock(&p->lock);
    c->upstream = up;
    p->connects++;
    int stopping = p->stopping;
    pthread_mutex_unlock(&p->lock);
    static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    if (!stopping && write_all(c->fd, ok, sizeof ok - 1) == 0)
        relay(c->fd, up);
    return NULL;
}

static void *accept_main(void *arg)
{
    struct ts_proxy *p = arg;
    for (;;) {
        int fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return NULL; /* the listening socket was shut down */
        }
        pthread_mutex_lock(&p->lock);
        if (p->stopping || p->conn_count == MAX_CONNS) {
            pthread_mutex_unlock(&p->lock);
            close(fd);
            continue;
        }
        struct conn *c = &p->conns[p->conn_count];
        c->fd = fd;
        c->upstream = -1;
        c->proxy = p;
        if (pthread_create(&c->thread, NULL, conn_main, c) == 0)
            p->conn_count++;
        else
            close(fd);
        pthread_mutex_unlock(&p->lock);
    }
}

ts_proxy *ts_proxy_start(void)
{
    struct ts_proxy *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (p->listen_fd < 0 || bind(p->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(p->listen_fd, 128) != 0 ||
        getsockname(p->listen_fd, (struct sockaddr *)&sa, &sl) != 0 ||
        pthread_create(&p->acceptor, NULL, accept_main, p) != 0) {
        if (p->listen_fd >= 0)
            close(p->listen_fd);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    p->port = ntohs(sa.sin_port);
    return p;
}

uint16_t ts_proxy_port(const ts_proxy *p)
{
    return p->port;
}

unsigned int ts_proxy_connects(ts_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    unsigned int n = p->connects;
    pthread_mutex_unlock(&p->lock);
    return n;
}

unsigned int ts_proxy_refused(ts_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    unsigned int n = p->refused;
    pthread_mutex_unlock(&p->lock);
    return n;
}

char *ts_proxy_log(ts_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    char *s = strdup(p->log ? p->log : "");
    pthread_mutex_unlock(&p->lock);
    return s;
}

void ts_proxy_stop(ts_proxy *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_mutex_unlock(&p->lock);
    shutdown(p->listen_fd, SHUT_RDWR);
    pthread_join(p->acceptor, NULL);
    /* Shutting the sockets down wakes every relay blocked in poll or recv. */
    for (size_t i = 0; i < p->conn_count; i++) {
        pthread_mutex_lock(&p->lock);
        shutdown(p->conns[i].fd, SHUT_RDWR);
        if (p->conns[i].upstream >= 0)
            shutdown(p->conns[i].upstream, SHUT_RDWR);
        pthread_mutex_unlock(&p->lock);
    }
    for (size_t i = 0; i < p->conn_count; i++) {
        pthread_join(p->conns[i].thread, NULL);
        close(p->conns[i].fd);
        if (p->conns[i].upstream >= 0)
            close(p->conns[i].upstream);
    }
    close(p->listen_fd);
    pthread_mutex_destroy(&p->lock);
    free(p->log);
    free(p);
}
