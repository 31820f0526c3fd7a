/*
 * file.h — a whole file in memory: inputs that the programs built beside
 * the server (bench/, tools/) read at once, and the ASR corpus and
 * dictionary.
 */
#ifndef SWITCHBOARD_FILE_H
#define SWITCHBOARD_FILE_H

#include <stddef.h>

/* The contents of path, with a NUL after them (text can be split in
 * place), in *bufp (mem_deref it); *lenp: their length. Returns 0 or an
 * errno code. */
int file_read(const char *path, char **bufp, size_t *lenp);

/* The same split into its non-empty lines, in place: *linesp points
 * into *textp; mem_deref both. */
int file_lines(const char *path, char **textp, char ***linesp, size_t *np);

#endif
