/*
 * main.c — the switchboard command: serve, audit, version, help.
 *
 * Start-up order follows the dependencies: settings, the event loop and
 * timers, the store, provisioning (from the store, then the --provision
 * file), media, SIP, calls, and last the HTTP API, so nothing is reachable
 * before what it needs exists. Shutdown runs the other way; calls are
 * ended cleanly first (SIGINT/SIGTERM), then the database is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "config.h"
#include "log.h"
#include "util/crypto.h"
#include "util/wheel.h"
#include "store/store.h"
#include "prov/prov.h"
#include "media/media.h"
#include "sip/sip.h"
#include "asr/asr.h"
#include "crm/crm.h"
#include "call/call.h"
#include "api/api.h"
#include "audit/audit.h"
#include "cli/cli.h"

#define LOG_MODULE "main"

enum { EXIT_USAGE = 2, SHUTDOWN_GRACE_MS = 3000, FD_RESERVE = 1024 };

static struct {
	struct config cfg;
	struct store *store;
	struct api *api;
	struct tmr grace, drain;
	bool stopping;
} g;


static void usage(FILE *f)
{
	fprintf(f,
		"usage: switchboard serve [--config FILE] [options]\n"
		"       switchboard audit PATH [--format json|md|html] "
		"[--out FILE] ...\n"
		"       switchboard callcenter-xml --url URL [--name NAME] ...\n"
		"       switchboard version\n"
		"       switchboard --help\n"
		"\n"
		"serve runs the contact-center server: SIP registrar and "
		"B2BUA, media relay,\nqueues and the HTTP API.\n"
		"\n"
		"options (each is also a config-file key, with '_' for '-'):\n"
		"  --config FILE          read settings from FILE first\n");
	config_usage_options(f);
}


static void grace_handler(void *arg)
{
	(void)arg;

	if (sipd_pending_requests())
		log_warn("stopping with %u SIP request(s) unanswered",
			 sipd_pending_requests());
	re_cancel();
}


/* Calls are ended; wait until the BYEs and CANCELs we sent are answered
 * (their transactions run on the wheel), within the grace period. */
static void drain_handler(void *arg)
{
	(void)arg;

	if (!sipd_pending_requests())
		re_cancel();
	else
		tmr_start(&g.drain, 20, drain_handler, NULL);
}


static void calls_idle(void *arg)
{
	(void)arg;
	drain_handler(NULL);
}


static void signal_handler(int sig)
{
	if (g.stopping) {
		log_warn("signal %d again: stopping now", sig);
		re_cancel();
		return;
	}

	g.stopping = true;
	log_info("signal %d: ending calls and stopping", sig);
	sipd_shutdown();
	g.api = mem_deref(g.api);
	tmr_start(&g.grace, SHUTDOWN_GRACE_MS, grace_handler, NULL);
	call_shutdown(calls_idle, NULL);
}


/* An admin token is required for the API; when none is configured we make
 * one and keep it in a file beside the database, readable by its owner
 * only, so it survives restarts and is never printed. */
static int admin_token_ensure(struct config *cfg)
{
	char path[CONFIG_STR + 16];
	char tok[65];
	FILE *f;
	int fd, err;

	if (cfg->admin_token[0])
		return 0;

	snprintf(path, sizeof(path), "%s.admin-token", cfg->db);

	f = fopen(path, "r");
	if (f) {
		char *ok = fgets(tok, sizeof(tok), f);

		fclose(f);
		tok[strcspn(tok, "\r\n")] = '\0';
		if (ok && strlen(tok) >= 16) {
			str_ncpy(cfg->admin_token, tok,
				 sizeof(cfg->admin_token));
			log_info("admin token read from %s", path);
			return 0;
		}
	}

	err = crypto_random_hex(tok, sizeof(tok));
	if (err)
		return err;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || dprintf(fd, "%s\n", tok) < 0) {
		err = errno;
		log_error("cannot write admin token to %s: %m", path, err);
		if (fd >= 0)
			close(fd);
		return err;
	}
	close(fd);

	str_ncpy(cfg->admin_token, tok, sizeof(cfg->admin_token));
	log_info("generated an admin token in %s (mode 0600)", path);
	return 0;
}


/* Every call needs four descriptors for media; raise the soft limit to
 * the hard one and size libre's poll table to match. Returns the limit. */
static int raise_fd_limit(int *maxfds)
{
	struct rlimit rl;

	*maxfds = 4096;

	if (0 == getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur > 1048576)
			rl.rlim_cur = 1048576;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if (0 == getrlimit(RLIMIT_NOFILE, &rl))
			*maxfds = (int)rl.rlim_cur;
	}

	return fd_setsize(*maxfds);
}


static int parse_args(struct config *cfg, int argc, char *argv[])
{
	struct config_error err;
	int i;

	/* --config first, wherever it is, so options override the file. */
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--config"))
			continue;
		if (i + 1 >= argc) {
			fprintf(stderr, "switchboard: --config needs a FILE\n");
			return EXIT_USAGE;
		}
		if (config_load(cfg, argv[i + 1], &err)) {
			fprintf(stderr, "switchboard: %s\n", err.msg);
			return EXIT_FAILURE;
		}
	}

	for (i = 2; i < argc; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "--config")) {
			++i;
			continue;
		}
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			usage(stdout);
			exit(0);
		}
		if (strncmp(opt, "--", 2) || !config_has_key(opt + 2)) {
			fprintf(stderr, "switchboard: unknown option '%s'\n\n",
				opt);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "switchboard: %s needs a value\n", opt);
			return EXIT_USAGE;
		}
		if (config_set(cfg, opt + 2, argv[i + 1], &err)) {
			fprintf(stderr, "switchboard: %s: %s\n", opt, err.msg);
			return EXIT_FAILURE;
		}
		++i;
	}

	if (cfg->reg_min_expires > cfg->reg_max_expires) {
		fprintf(stderr, "switchboard: reg_min_expires (%u) is above "
			"reg_max_expires (%u)\n", cfg->reg_min_expires,
			cfg->reg_max_expires);
		return EXIT_FAILURE;
	}

	return 0;
}


static int addr_of(struct sa *sa, const char *s)
{
	return sa_decode(sa, s, strlen(s));
}


static int serve(void)
{
	struct config *cfg = &g.cfg;
	struct sipd_conf sc;
	struct sa http;
	struct prov_error perr;
	unsigned closed = 0;
	int maxfds = 0;
	int err;

	log_set_level(cfg->log_level);

	err = libre_init();
	if (err) {
		fprintf(stderr, "switchboard: libre_init: %s\n", strerror(err));
		return EXIT_FAILURE;
	}

	err = raise_fd_limit(&maxfds) || wheel_init();
	if (err)
		goto out;

	/* Freed memory goes back to the heap top, not to the kernel, at
	 * call rates where glibc would otherwise shrink and regrow it all
	 * the time. */
	(void)mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	(void)mallopt(M_TOP_PAD, 8 * 1024 * 1024);

	memset(&sc, 0, sizeof(sc));
	(void)addr_of(&sc.laddr, cfg->sip_listen);
	(void)addr_of(&http, cfg->http_listen);
	sc.advertise = sc.laddr;
	if (cfg->sip_advertise[0] &&
	    sa_set_str(&sc.advertise, cfg->sip_advertise,
		       sa_port(&sc.laddr))) {
		fprintf(stderr, "switchboard: sip_advertise '%s' is not an "
			"IP address\n", cfg->sip_advertise);
		err = EINVAL;
		goto out;
	}
	if (sa_is_any(&sc.advertise)) {
		fprintf(stderr, "switchboard: sip_listen %s is a wildcard; set "
			"sip_advertise to the address phones and trunks "
			"reach\n", cfg->sip_listen);
		err = EINVAL;
		goto out;
	}
	err = asr_ps_language_model(cfg->asr_lm);
	if (err) {
		fprintf(stderr, "switchboard: asr_lm '%s': %s\n", cfg->asr_lm,
			err == ENOENT ? "no such file (callcenter, general "
			"or a model's path; make builds callcenter)" :
			strerror(err));
		goto out;
	}

	sc.realm = cfg->realm;
	sc.digest_algorithms = cfg->digest_algorithms;
	sc.reg_min_expires = cfg->reg_min_expires;
	sc.reg_max_expires = cfg->reg_max_expires;
	sc.nonce_ttl = cfg->nonce_ttl;
	sc.auth_max_failures = cfg->auth_max_failures;

	err = store_open(&g.store, cfg->db);
	if (err) {
		fprintf(stderr, "switchboard: cannot open database %s: %s\n",
			cfg->db, strerror(err));
		goto out;
	}

	err = store_calls_close_open(g.store, (uint64_t)time(NULL) * 1000,
				     "restart", &closed);
	if (err)
		goto out;
	if (closed)
		log_warn("%u call(s) were live when switchboard last stopped; "
			 "marked ended", closed);

	err = admin_token_ensure(cfg);
	if (err)
		goto out;

	/* queues on the ws backend are checked against it */
	err = asr_ws_default(cfg->asr_ws_url);
	if (err) {
		fprintf(stderr, "switchboard: asr_ws_url '%s': not a ws://IP"
			"[:PORT][/PATH] URL\n", cfg->asr_ws_url);
		goto out;
	}

	err = prov_init(g.store, cfg->realm);
	if (err)
		goto out;

	if (cfg->provision[0]) {
		err = prov_apply_file(cfg->provision, &perr);
		if (err) {
			fprintf(stderr, "switchboard: %s: %s\n",
				cfg->provision, perr.message);
			goto out;
		}
		log_info("applied provisioning from %s", cfg->provision);
	}

	/* keep FD_RESERVE descriptors for SIP over TCP, HTTP and SQLite */
	err = media_init(cfg->rtp_min, cfg->rtp_max, &sc.laddr, &sc.advertise,
			 maxfds > FD_RESERVE + 4 ? (maxfds - FD_RESERVE) / 4 :
						   1);
	if (err) {
		fprintf(stderr, "switchboard: media: %s\n", strerror(err));
		goto out;
	}

	err = asr_ps_model(cfg->asr_model);
	if (err) {
		fprintf(stderr, "switchboard: asr_model '%s': no acoustic "
			"model there (no readable mdef)\n", cfg->asr_model);
		goto out;
	}
	{
		bool adapted;
		const char *dir = asr_ps_model_dir(&adapted);

		log_info("pocketsphinx acoustic model: %s (%s)", dir,
			 adapted ? "adapted" :
			 "Debian's 16 kHz model, not adapted to telephone "
			 "audio: see scripts/asr-model.sh");
	}

	/* decoders open on their threads: start-up does not wait */
	err = asr_init(cfg->asr_backend, cfg->asr_workers, cfg->asr_queue_s);
	if (err) {
		fprintf(stderr, "switchboard: asr_backend '%s': %s\n",
			cfg->asr_backend, err == EDESTADDRREQ ?
			"ws needs asr_ws_url" : err == ENOTSUP ?
			"not pocketsphinx, ws or off" : strerror(err));
		goto out;
	}

	err = call_init(g.store, &sc);
	if (err)
		goto out;

	{
		const struct crm_conf cc = {
			.sf_url = cfg->sf_url,
			.sf_org_id = cfg->sf_org_id,
			.sf_call_center = cfg->sf_call_center,
			.sf_key = cfg->sf_key,
			.sf_audience = cfg->sf_audience,
			.sf_disposition_field = cfg->sf_disposition_field,
			.sf_jwt_lifetime_s = cfg->sf_jwt_lifetime_s,
			.sf_calls_per_s = cfg->sf_calls_per_s,
			.sf_utterances_per_s = cfg->sf_utterances_per_s,
			.webhook_urls = cfg->webhook_url,
			.webhook_secret = cfg->webhook_secret,
			.retry_min_ms = cfg->outbox_retry_min_ms,
			.retry_max_ms = cfg->outbox_retry_max_ms,
		};
		char msg[512] = "";

		err = crm_init(g.store, &cc, msg, sizeof(msg));
		if (err) {
			fprintf(stderr, "switchboard: CRM sync: %s\n",
				msg[0] ? msg : strerror(err));
			goto out;
		}
	}

	err = api_alloc(&g.api, &http, g.store, cfg->admin_token);
	if (err) {
		fprintf(stderr, "switchboard: cannot listen for HTTP on %s: "
			"%s\n", cfg->http_listen, strerror(err));
		goto out;
	}

	err = api_web(g.api, cfg->web_root, cfg->web_frame_ancestors);
	if (err) {
		fprintf(stderr, "switchboard: web_frame_ancestors '%s': "
			"sources separated by spaces, no ';' or ','\n",
			cfg->web_frame_ancestors);
		goto out;
	}

	err = api_allowed_origins(g.api, cfg->api_allowed_origins);
	if (err) {
		fprintf(stderr, "switchboard: api_allowed_origins '%s': "
			"origins (https://host[:port]) separated by spaces\n",
			cfg->api_allowed_origins);
		goto out;
	}

	err = api_web_opencti(g.api, cfg->opencti_origins);
	if (err) {
		fprintf(stderr, "switchboard: opencti_origins '%s': origins "
			"https://host[:port] (http only for loopback), "
			"separated by spaces\n", cfg->opencti_origins);
		goto out;
	}

	log_info("switchboard %s: SIP on %J (udp, tcp), HTTP on %J, "
		 "database %s", SWITCHBOARD_VERSION, &sc.laddr, &http, cfg->db);

	err = re_main(signal_handler);

	log_info("stopped");

 out:
	tmr_cancel(&g.grace);
	tmr_cancel(&g.drain);
	g.api = mem_deref(g.api);
	crm_close();
	call_close();
	asr_close();
	sipd_close();
	media_close();
	prov_close();
	g.store = mem_deref(g.store);
	wheel_close();
	libre_close();

	return err ? EXIT_FAILURE : 0;
}


int main(int argc, char *argv[])
{
	int rc;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}

	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}

	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("switchboard %s\n", SWITCHBOARD_VERSION);
		return 0;
	}

	/* offline, no server state: its own options and exit statuses */
	if (!strcmp(argv[1], "audit"))
		return audit_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "callcenter-xml"))
		return cli_callcenter_main(argc - 1, argv + 1);

	if (strcmp(argv[1], "serve")) {
		fprintf(stderr, "switchboard: unknown command '%s'\n\n",
			argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}

	config_defaults(&g.cfg);
	rc = parse_args(&g.cfg, argc, argv);
	if (rc)
		return rc;

	return serve();
}
