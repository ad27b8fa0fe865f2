/* SPDX-License-Identifier: MIT */
/*
 * tls_support.h: what the HTTPS tests share: a throwaway CA and a server certificate for
 * 127.0.0.1 made at test time with the `openssl` command (a second, unrelated CA to be
 * refused, and a hashed CA directory), and a small CONNECT proxy on 127.0.0.1 that records
 * the request heads it receives.
 */
#ifndef LOOPMSG_TLS_SUPPORT_H
#define LOOPMSG_TLS_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ts_tls {
    char dir[64];           /* temporary directory holding everything below */
    char ca_pem[128];       /* the CA that signed server_pem */
    char ca_dir[128];       /* a hashed directory holding only ca_pem (`openssl rehash`) */
    char other_ca_pem[128]; /* a CA that signed nothing the server presents */
    char server_pem[128];   /* certificate for 127.0.0.1 and localhost */
    char server_key[128];
} ts_tls;

/* Make the files. Returns 0, or -1 when the openssl command is missing or failed (the
 * caller skips). */
int ts_tls_make(ts_tls *t);
/* Remove the files and the directory. */
void ts_tls_remove(ts_tls *t);

typedef struct ts_proxy ts_proxy;

/* Start a CONNECT proxy on 127.0.0.1 (ephemeral port). NULL on failure. */
ts_proxy *ts_proxy_start(void);
uint16_t ts_proxy_port(const ts_proxy *p);
/* CONNECT requests accepted so far. */
unsigned int ts_proxy_connects(ts_proxy *p);
/* Requests that were not CONNECT (answered 405, not forwarded). */
unsigned int ts_proxy_refused(ts_proxy *p);
/* Every request head the proxy received, concatenated (the proxy's "log"); caller frees. */
char *ts_proxy_log(ts_proxy *p);
/* Stop: close every connection and join the threads. NULL is a no-op. */
void ts_proxy_stop(ts_proxy *p);

#endif
