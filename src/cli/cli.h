/*
 * cli.h — offline commands of the switchboard binary that need no server
 * state (main.c dispatches to them). Each returns the process's exit
 * status and prints its own usage errors.
 */
#ifndef SWITCHBOARD_CLI_H
#define SWITCHBOARD_CLI_H

#include <stddef.h>

/* `switchboard callcenter-xml --url URL [...]`: the Open CTI call center
 * definition file for web/opencti/softphone.html (docs/OPENCTI.md).
 * 0 printed, 2 usage error (the message says which argument). */
int cli_callcenter_main(int argc, char *argv[]);

/* NULL when url may be the base of the softphone's adapter URL (then
 * copied into out, less any trailing '/', with room left for the page
 * path), else what is wrong with it. */
const char *cli_callcenter_url_check(char *out, size_t sz, const char *url);

#endif
