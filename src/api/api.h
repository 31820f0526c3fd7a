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
/* Serves the agent and supervisor pages from root (a missing folder is
 * logged, and the pages answer 404); frame_ancestors: the CSP
 * frame-ancestors value (EINVAL if it has ';', ',' or control
 * characters). See api/static.c. */
int api_web(struct api *api, const char *root, const char *frame_ancestors);
/* Other sites whose pages may call the API and open the events stream
 * (CORS): space-separated origins, "https://host[:port]" (http too);
 * "" for none, the default. EINVAL for an entry that is not an origin.
 * See api/cors.c. */
int api_allowed_origins(struct api *api, const char *origins);
/* Lets the pages under /opencti/ load scripts from and be framed by
 * origins (space-separated https://host[:port], http only for loopback;
 * EINVAL otherwise); "" leaves them with the other pages' policy. After
 * api_web. See api/opencti.c. */
int api_web_opencti(struct api *api, const char *origins);

#endif
