/*
 * outbox.c — what CRM sync's durability costs: each request to
 * Salesforce or a webhook is one SQLite row written before it is sent
 * and deleted after the 2xx (src/store/outbox.c, WAL, synchronous=
 * NORMAL). At the org limit of 1,400 transcript utterances/s plus 50 new
 * calls/s, the event loop must write and delete ~1,500 rows/s.
 *
 * Measured, in this process on a fresh database under DIR: ROWS adds
 * (a 300-byte message body each, 100 calls interleaved), loading them
 * all back (a restart), then ROWS deletes; the median of RUNS.
 *
 *   make bench && build/bench/outbox [DIR] [ROWS]
 *   -> outbox: add 15966 rows/s, delete 17433 rows/s, load 2344503 rows/s
 *      (20000 rows, median of 3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "store/store.h"

enum { RUNS = 3 };


static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


static int count_h(const struct store_outbox_row *r, void *arg)
{
	(void)r;
	++*(unsigned *)arg;
	return 0;
}


static int cmp(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


static int one_run(const char *dir, unsigned rows, double res[3])
{
	char db[512], body[400], okey[32];
	struct store *st = NULL;
	int64_t *ids;
	unsigned loaded = 0;
	double t;
	int err;

	re_snprintf(db, sizeof(db), "%s/outbox-bench-%d.db", dir, getpid());
	ids = calloc(rows, sizeof(*ids));
	if (!ids)
		return ENOMEM;

	err = store_open(&st, db);
	if (err)
		goto out;

	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	memcpy(body, "{\"participantId\":\"+15550001\",\"content\":\"", 41);
	body[300] = '\0';

	t = now_s();
	for (unsigned i = 0; i < rows && !err; i++) {
		struct store_outbox_row r = {
			.dest = "salesforce", .okey = okey, .kind = "message",
			.method = "POST", .path = "/voiceCalls/x/messages",
			.body = body, .created = i,
		};

		re_snprintf(okey, sizeof(okey), "call%u", i % 100);
		err = store_outbox_add(st, &r);
		ids[i] = r.id;
	}
	res[0] = rows / (now_s() - t);
	if (err)
		goto out;

	t = now_s();
	err = store_outbox_foreach(st, count_h, &loaded);
	res[2] = loaded / (now_s() - t);
	if (!err && loaded != rows)
		err = EIO;
	if (err)
		goto out;

	t = now_s();
	for (unsigned i = 0; i < rows && !err; i++)
		err = store_outbox_delete(st, ids[i]);
	res[1] = rows / (now_s() - t);

 out:
	mem_deref(st);
	free(ids);
	for (size_t i = 0; i < 3; i++) {
		static const char *const sfx[] = {"", "-wal", "-shm"};
		char p[600];

		re_snprintf(p, sizeof(p), "%s%s", db, sfx[i]);
		unlink(p);
	}
	return err;
}


int main(int argc, char *argv[])
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	const unsigned rows = argc > 2 ? (unsigned)atoi(argv[2]) : 20000;
	double add[RUNS], del[RUNS], load[RUNS];

	if (!rows || libre_init())
		return 1;

	for (int i = 0; i < RUNS; i++) {
		double r[3];

		if (one_run(dir, rows, r)) {
			fprintf(stderr, "outbox: run %d failed\n", i);
			return 1;
		}
		add[i] = r[0];
		del[i] = r[1];
		load[i] = r[2];
		fprintf(stderr, "run %d: add %.0f/s delete %.0f/s load %.0f/s\n",
			i, r[0], r[1], r[2]);
	}

	qsort(add, RUNS, sizeof(double), cmp);
	qsort(del, RUNS, sizeof(double), cmp);
	qsort(load, RUNS, sizeof(double), cmp);
	printf("outbox: add %.0f rows/s, delete %.0f rows/s, load %.0f rows/s "
	       "(%u rows, median of %d)\n", add[RUNS / 2], del[RUNS / 2],
	       load[RUNS / 2], rows, RUNS);

	libre_close();
	return 0;
}
