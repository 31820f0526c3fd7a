/*
 * tmpdir.h — a scratch directory per test case for database files.
 */
#ifndef SWITCHBOARD_TMPDIR_H
#define SWITCHBOARD_TMPDIR_H

#include <stddef.h>

struct tmpdir {
	char dir[64];
	char db[96];               /* dir + "/test.db" */
};

int  tmpdir_make(struct tmpdir *t);
/* removes the database, its -wal and -shm, and the directory */
void tmpdir_remove(struct tmpdir *t);
/* writes text to dir/name; path receives the full name */
int  tmpdir_write(struct tmpdir *t, const char *name, const char *text,
		  char *path, size_t sz);

#endif
