/*
 * file.c — a whole file in memory (file.h).
 */
#include <errno.h>
#include <stdio.h>
#include <re.h>
#include "util/file.h"

int file_read(const char *path, char **bufp, size_t *lenp)
{
	FILE *f;
	char *buf = NULL;
	long len;
	int err = 0;

	if (!path || !bufp || !lenp)
		return EINVAL;

	f = fopen(path, "rb");
	if (!f)
		return errno;

	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET))
		err = errno ? errno : EIO;
	else if (!(buf = mem_alloc((size_t)len + 1, NULL)))
		err = ENOMEM;
	else if (fread(buf, 1, (size_t)len, f) != (size_t)len)
		err = ferror(f) ? EIO : ENODATA;

	fclose(f);
	if (err) {
		mem_deref(buf);
		return err;
	}

	buf[len] = '\0';
	*bufp = buf;
	*lenp = (size_t)len;
	return 0;
}
