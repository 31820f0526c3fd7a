/*
 * api.h — the HTTP API: provisioning (agents, queues, trunks, routes) and
 * call records, JSON in and out, under /api/v1. Runs on libre's HTTP
 * server in the event loop.
 *
 * Every route but GET /api/v1/health needs "Authorization: Bearer <admin
 * token>". Errors are {"error":{"code","message","field"?}} with a 4xx
 * status; see docs/API.md for every route.
 */
#ifndef SWITCHBOARD_API_H
#define SWITCHBOARD_API_H

#include <re.h>

struct api;
struct store;

int api_alloc(struct api **apip, const struct sa *laddr, struct store *st,
	      const char *admin_token);

#endif
