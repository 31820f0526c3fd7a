/*
 * cli.h — offline commands of the switchboard binary that need no server
 * state (main.c dispatches to them). Each returns the process's exit
 * status and prints its own usage errors.
 */
#ifndef SWITCHBOARD_CLI_H
#define SWITCHBOARD_CLI_H

/* `switchboard callcenter-xml --url URL [...]`: the Open CTI call center
 * definition file for web/opencti/softphone.html (docs/OPENCTI.md).
 * 0 printed, 2 usage error (the message says which argument). */
int cli_callcenter_main(int argc, char *argv[]);

#endif
