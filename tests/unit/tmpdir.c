/*
 * tmpdir.c — scratch directories under $TMPDIR (or /tmp).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "tmpdir.h"


int tmpdir_make(struct tmpdir *t)
{
	const char *base = getenv("TMPDIR");

	(void)re_snprintf(t->dir, sizeof(t->dir), "%s/sbunit-XXXXXX",
			  base && base[0] ? base : "/tmp");
	if (!mkdtemp(t->dir))
		return errno;

	(void)re_snprintf(t->db, sizeof(t->db), "%s/test.db", t->dir);
	return 0;
}


void tmpdir_remove(struct tmpdir *t)
{
	struct dirent *de;
	DIR *d = opendir(t->dir);

	if (!d)
		return;

	while ((de = readdir(d))) {
		char path[384];

		if (de->d_name[0] == '.')
			continue;
		(void)re_snprintf(path, sizeof(path), "%s/%s", t->dir,
				  de->d_name);
		(void)unlink(path);
	}

	closedir(d);
	(void)rmdir(t->dir);
}


int tmpdir_write(struct tmpdir *t, const char *name, const char *text,
		 char *path, size_t sz)
{
	FILE *f;
	int err = 0;

	(void)re_snprintf(path, sz, "%s/%s", t->dir, name);

	f = fopen(path, "w");
	if (!f)
		return errno;

	if (fputs(text, f) < 0)
		err = EIO;

	fclose(f);
	return err;
}
