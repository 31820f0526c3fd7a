/*
 * file.c — a whole file in memory (file.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
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


int file_lines(const char *path, char **textp, char ***linesp, size_t *np)
{
	char *text, *save = NULL, **lines;
	size_t len, cap = 1, n = 0;
	int err;

	if (!textp || !linesp || !np)
		return EINVAL;

	err = file_read(path, &text, &len);
	if (err)
		return err;

	for (size_t i = 0; i < len; i++)
		cap += text[i] == '\n';
	lines = mem_alloc(cap * sizeof(*lines), NULL);
	if (!lines) {
		mem_deref(text);
		return ENOMEM;
	}

	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;

	*textp = text;
	*linesp = lines;
	*np = n;
	return 0;
}
