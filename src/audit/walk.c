/*
 * walk.c — the directory walk: every file under the root in name order
 * (so two runs see the same files the same way), each read once with one
 * read() into a buffer that is reused, never following a symbolic link
 * (a link's target inside the root is scanned where it lives; one
 * outside is not ours to read). .git and node_modules are skipped, the
 * latter unless asked for. Progress goes to stderr once a walk has run
 * for a second.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "audit/internal.h"

enum { PATH_MAX_LEN = 4096, DEPTH_LIMIT = 128 };

/* a file this big is not source code; say so instead of reading it */
#define FILE_MAX ((off_t)512 * 1024 * 1024)

struct walk {
	const struct audit_opts *o;
	struct audit_report *rep;
	char path[PATH_MAX_LEN];
	size_t rootlen;		/* path[rootlen + 1] is the relative part */
	uint8_t *buf;
	size_t cap;
	struct timespec t0;
	double next_progress;
	bool progressed;
	unsigned since_check;
};


static double elapsed(const struct walk *w)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - w->t0.tv_sec) +
		(double)(t.tv_nsec - w->t0.tv_nsec) / 1e9;
}


static void progress(struct walk *w)
{
	double t;

	if (!w->o->progress || ++w->since_check < 64)
		return;
	w->since_check = 0;

	t = elapsed(w);
	if (t < w->next_progress)
		return;
	w->next_progress = t + 1.0;
	w->progressed = true;
	fprintf(stderr, "audit: %u files, %llu MB, %.0f s ...\n",
		w->rep->scanned,
		(unsigned long long)(w->rep->bytes / 1000000), t);
}


static const char *rel(const struct walk *w)
{
	return w->path[w->rootlen] ? w->path + w->rootlen + 1 : "";
}


static void file_error(struct walk *w, const char *fmt, int e)
{
	struct scan s;
	char msg[200];

	memset(&s, 0, sizeof(s));
	s.rep = w->rep;
	s.path = rel(w);
	snprintf(msg, sizeof(msg), fmt, strerror(e));
	(void)report_error(&s, 0, "%s", msg);
}


static void scan_file_at(struct walk *w)
{
	struct stat st;
	size_t got = 0;
	int fd;

	if (!audit_wants(rel(w)))
		return;

	/* O_NOFOLLOW: the entry was a file when listed; if it has become
	 * a link since, refuse it rather than follow it */
	fd = open(w->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		file_error(w, "cannot open: %s", errno);
		return;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	if (st.st_size > FILE_MAX) {
		close(fd);
		file_error(w, "larger than 512 MB, not scanned (%s)", EFBIG);
		return;
	}

	if ((size_t)st.st_size + 1 > w->cap) {
		size_t cap = (size_t)st.st_size + 1 + 65536;
		uint8_t *b = realloc(w->buf, cap);

		if (!b) {
			close(fd);
			file_error(w, "cannot read: %s", ENOMEM);
			return;
		}
		w->buf = b;
		w->cap = cap;
	}

	/* the size may change under us; read what is there */
	for (;;) {
		ssize_t n = read(fd, w->buf + got, w->cap - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			file_error(w, "cannot read: %s", e);
			return;
		}
		if (n == 0 || (got += (size_t)n) == w->cap - 1)
			break;
	}
	close(fd);

	(void)audit_scan_buf(w->rep, rel(w), w->buf, got);
	progress(w);
}


static int cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}


static void dir(struct walk *w, size_t len, int depth)
{
	struct dirent **ents = NULL;
	int n;

	if (depth > DEPTH_LIMIT) {
		file_error(w, "too deep, not scanned (%s)", ELOOP);
		return;
	}

	n = scandir(w->path, &ents, NULL, cmp_name);
	if (n < 0) {
		file_error(w, "cannot list directory: %s", errno);
		return;
	}

	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t nl = strlen(name);
		unsigned char type = ents[i]->d_type;

		if (!strcmp(name, ".") || !strcmp(name, "..") ||
		    !strcmp(name, ".git") ||
		    (!w->o->node_modules && !strcmp(name, "node_modules")))
			continue;

		if (len + 1 + nl + 1 > sizeof(w->path)) {
			file_error(w, "a name under here is too long (%s)",
				   ENAMETOOLONG);
			continue;
		}
		w->path[len] = '/';
		memcpy(w->path + len + 1, name, nl + 1);

		if (type == DT_UNKNOWN) {
			struct stat st;

			if (lstat(w->path, &st))
				type = DT_UNKNOWN;
			else if (S_ISDIR(st.st_mode))
				type = DT_DIR;
			else if (S_ISREG(st.st_mode))
				type = DT_REG;
			else
				type = DT_LNK;
		}

		if (type == DT_DIR)
			dir(w, len + 1 + nl, depth + 1);
		else if (type == DT_REG)
			scan_file_at(w);
		else if (type == DT_LNK && audit_wants(rel(w)))
			++w->rep->skipped;

		w->path[len] = '\0';
	}

	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
}


int audit_scan(struct audit_report **repp, const struct audit_opts *o)
{
	struct walk *w;
	struct stat st;
	size_t len;
	int err;

	if (!repp || !o || !o->root)
		return EINVAL;

	if (stat(o->root, &st))
		return errno;
	if (!S_ISDIR(st.st_mode))
		return ENOTDIR;

	len = strlen(o->root);
	while (len > 1 && o->root[len - 1] == '/')
		--len;
	if (len + 2 > PATH_MAX_LEN)
		return ENAMETOOLONG;

	w = mem_zalloc(sizeof(*w), NULL);
	if (!w)
		return ENOMEM;

	err = audit_report_alloc(&w->rep, o->root);
	if (err)
		goto out;

	w->o = o;
	memcpy(w->path, o->root, len);
	w->path[len] = '\0';
	w->rootlen = len;
	w->next_progress = 1.0;
	clock_gettime(CLOCK_MONOTONIC, &w->t0);

	dir(w, len, 0);

	if (w->progressed)
		fprintf(stderr, "audit: %u files, %llu MB in %.1f s\n",
			w->rep->scanned,
			(unsigned long long)(w->rep->bytes / 1000000),
			elapsed(w));

	*repp = w->rep;
	w->rep = NULL;
 out:
	free(w->buf);
	mem_deref(w->rep);
	mem_deref(w);
	return err;
}
