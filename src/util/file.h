/*
 * file.h — a whole file in memory, for the programs built beside the
 * server (bench/, tools/) that read their inputs at once.
 */
#ifndef SWITCHBOARD_FILE_H
#define SWITCHBOARD_FILE_H

#include <stddef.h>

/* The contents of path, with a NUL after them (text can be split in
 * place), in *bufp (mem_deref it); *lenp: their length. Returns 0 or an
 * errno code. */
int file_read(const char *path, char **bufp, size_t *lenp);

#endif
