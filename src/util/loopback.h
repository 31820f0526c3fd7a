/*
 * loopback.h — whether a URL's host names this machine, for the few
 * places that allow plain http only there (the Open CTI softphone's
 * origins, `switchboard callcenter-xml --url`).
 */
#ifndef SWITCHBOARD_LOOPBACK_H
#define SWITCHBOARD_LOOPBACK_H

#include <stdbool.h>
#include <stddef.h>

/* host (n bytes, not terminated) as written in a URL: "localhost", an
 * IPv4 address in 127.0.0.0/8, or "[::1]". */
bool loopback_host(const char *host, size_t n);

#endif
