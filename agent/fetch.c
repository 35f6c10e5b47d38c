/* SPDX-License-Identifier: MIT */
#include "fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "textesc.h"

#define FETCH_N_STRS 9

/* A socket curl asked us to watch; kept until fetch_free like dns_sock. */
struct fetch_sock {
	struct loop_fd h;
	struct fetch *f;
	bool used;
};

struct fetch {
	struct loop *l;
	struct dns *d;
	CURLM *multi;
	CURL *easy;                 /* the current hop's transfer */
	struct fetch_sock **socks;
	size_t n_socks;
	struct loop_timer curl_timer; /* CURLMOPT_TIMERFUNCTION */
	struct loop_timer deadline;   /* the whole fetch */
	struct loop_timer report;     /* runs the callback from the loop */
	struct dns_query *q;
	uint64_t q_start_ms;        /* when q was sent (res.dns_ms) */
	fetch_cb cb;
	void *arg;
	/* what was asked, copied */
	struct req_params req;
	char *strs[FETCH_N_STRS];   /* owns req's strings and ca_file */
	bool verify;
	const char *ca_file;
	char iface[INET6_ADDRSTRLEN + 8]; /* "if!wan0" or "host!ADDR" */
	char wan[IFNAMSIZ];         /* every socket bound to it (D1) */
	uint64_t deadline_ms;
	unsigned timeout_ms;
	size_t max_body;
	/* the current hop */
	char url[URL_MAX];          /* before our parameters */
	char req_url[URL_MAX];      /* as sent */
	struct url cur;
	struct in6_addr addrs[DNS_MAX_AAAA];
	size_t n_addrs;
	struct curl_slist *resolve;
	bool too_big, refused_addr;
	int bind_errno;             /* SO_BINDTODEVICE failed: D1 */
	char errbuf[CURL_ERROR_SIZE];
	struct cert_time ct;        /* the TLS verifier's dates (certtime.h) */
	char *buf;
	size_t len, cap;
	bool done;
	struct fetch_result res;
};

static void hop_begin(struct fetch *f);

int fetch_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

/* ---- the end: one result, reported from the loop ------------------------ */

static void hop_end(struct fetch *f)
{
	if (f->q) {
		dns_cancel(f->q);
		f->q = NULL;
	}
	if (f->easy) {
		curl_multi_remove_handle(f->multi, f->easy);
		curl_easy_cleanup(f->easy);
		f->easy = NULL;
	}
	curl_slist_free_all(f->resolve);
	f->resolve = NULL;
}

static void finish(struct fetch *f, enum hb_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void finish(struct fetch *f, enum hb_class cls, const char *fmt, ...)
{
	va_list ap;

	if (f->done)
		return;
	f->done = true;
	f->res.cls = cls;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(f->res.err.msg, sizeof(f->res.err.msg), fmt, ap);
		va_end(ap);
	}
	hop_end(f);
	loop_timer_disarm(&f->deadline);
	loop_timer_disarm(&f->curl_timer);
	loop_timer_arm_at(&f->report, loop_now_ms());
}

static void on_report(struct loop_timer *t, void *data)
{
	struct fetch *f = data;

	(void)t;
	loop_timer_disarm(&f->report);
	f->cb(f->arg, &f->res);
}

static void on_deadline(struct loop_timer *t, void *data)
{
	struct fetch *f = data;

	(void)t;
	finish(f, HB_NO_ANSWER, "no answer from %s within %u ms", f->cur.host,
	       f->timeout_ms);
}

/* ---- curl's sockets and timer in the loop -------------------------------- */

static void check_done(struct fetch *f);

static void on_curl_timer(struct loop_timer *t, void *data)
{
	struct fetch *f = data;
	int running;

	(void)t;
	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(f);
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct fetch *f = userp;

	(void)m;
	/* -1: none; 0: as soon as possible, from the loop, never from here. */
	if (timeout_ms < 0)
		return loop_timer_disarm(&f->curl_timer) < 0 ? -1 : 0;
	return loop_timer_arm_at(&f->curl_timer,
				 loop_now_ms() + (uint64_t)timeout_ms) < 0 ? -1 : 0;
}

static void on_sock(struct loop_fd *h, uint32_t events, void *data)
{
	struct fetch_sock *s = data;
	struct fetch *f = s->f;
	int mask = 0, running;

	if (!s->used)
		return;
	if (events & EPOLLIN)
		mask |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		mask |= CURL_CSELECT_ERR;
	curl_multi_socket_action(f->multi, h->fd, mask, &running);
	check_done(f);
}

static struct fetch_sock *sock_slot(struct fetch *f, int fd, bool any_free)
{
	struct fetch_sock **grown, *s;

	for (size_t i = 0; i < f->n_socks; i++)
		if (f->socks[i]->used ? f->socks[i]->h.fd == fd : any_free)
			return f->socks[i];
	if (!any_free)
		return NULL;
	grown = realloc(f->socks, (f->n_socks + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	f->socks = grown;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	f->socks[f->n_socks++] = s;
	return s;
}

static int sock_cb(CURL *e, curl_socket_t fd, int what, void *userp,
		   void *socketp)
{
	struct fetch *f = userp;
	struct fetch_sock *s = sock_slot(f, fd, false);
	uint32_t ev = (what & CURL_POLL_IN ? EPOLLIN : 0) |
		      (what & CURL_POLL_OUT ? EPOLLOUT : 0);

	(void)e;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			loop_fd_del(f->l, &s->h);
			s->used = false;
		}
		return 0;
	}
	if (s)
		return loop_fd_mod(f->l, &s->h, ev) < 0 ? -1 : 0;
	s = sock_slot(f, fd, true);
	if (!s)
		return -1;
	*s = (struct fetch_sock){ .h = { fd, ev, on_sock, s }, .f = f, .used = true };
	if (loop_fd_add(f->l, &s->h) < 0) {
		s->used = false;
		return -1;
	}
	return 0;
}

/* ---- one transfer ---------------------------------------------------------- */

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct fetch *f = userp;
	size_t n = size * nmemb;
	char *grown;

	/* Stop reading at the limit: returning short aborts the transfer. */
	if (n > f->max_body - f->len) {
		f->too_big = true;
		return 0;
	}
	if (f->len + n + 1 > f->cap) {
		size_t cap = f->cap ? f->cap : 16384;

		while (cap < f->len + n + 1)
			cap *= 2;
		grown = realloc(f->buf, cap);
		if (!grown)
			return 0;
		f->buf = grown;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, ptr, n);
	f->len += n;
	return n;
}

/* A socket on the WAN only (D1): bound to the device here, to the WAN's
 * own address by curl ("host!ADDR"); a device bind that fails refuses
 * the connection rather than let it leave by another interface. */
static curl_socket_t wan_socket(struct fetch *f, const struct curl_sockaddr *a)
{
	int fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);

	if (fd < 0 || !f->wan[0])
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, f->wan,
		       (socklen_t)strlen(f->wan)) < 0) {
		f->bind_errno = errno;
		close(fd);
		return CURL_SOCKET_BAD;
	}
	return fd;
}

/* T2, belt and braces: curl may only connect to the addresses our own
 * AAAA lookup gave (or the URL's IPv6 literal), over IPv6. */
static curl_socket_t open_cb(void *userp, curlsocktype purpose,
			     struct curl_sockaddr *a)
{
	struct fetch *f = userp;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->addr;

	if (purpose != CURLSOCKTYPE_IPCXN || a->family != AF_INET6)
		goto refuse;
	for (size_t i = 0; i < f->n_addrs; i++)
		if (!memcmp(&s6->sin6_addr, &f->addrs[i], sizeof(f->addrs[i])))
			return wan_socket(f, a);
refuse:
	f->refused_addr = true;
	return CURL_SOCKET_BAD;
}

/* "host:port:[a],[b]": curl takes these addresses for host and asks no
 * resolver (T2, D1: only the WAN's resolvers, through c-ares). */
static int pin_addresses(struct fetch *f)
{
	char entry[URL_HOST_MAX + 16 + DNS_MAX_AAAA * (INET6_ADDRSTRLEN + 3)];
	char a[INET6_ADDRSTRLEN];
	size_t n = (size_t)snprintf(entry, sizeof(entry), "%s:%u:", f->cur.host,
				    f->cur.port);

	for (size_t i = 0; i < f->n_addrs; i++) {
		inet_ntop(AF_INET6, &f->addrs[i], a, sizeof(a));
		n += (size_t)snprintf(entry + n, sizeof(entry) - n, "%s[%s]",
				      i ? "," : "", a);
	}
	f->resolve = curl_slist_append(NULL, entry);
	return f->resolve ? 0 : -ENOMEM;
}

static int set_tls(struct fetch *f, CURL *h)
{
	char *capath = NULL;
	int rc = 0;

	if (!f->verify) {
		/* D4 t=a: encrypted, not verified (3.2 option b). */
		rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		return rc | curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= certtime_install(h, &f->ct) < 0;
	if (f->ca_file) {
		/* T3 option c: the operator's CA file as CAINFO, the system
		 * store still reached through the built-in CAPATH. */
		curl_easy_getinfo(h, CURLINFO_CAPATH, &capath);
		rc |= curl_easy_setopt(h, CURLOPT_CAINFO, f->ca_file);
		if (capath)
			rc |= curl_easy_setopt(h, CURLOPT_CAPATH, capath);
	}
	return rc;
}

static int set_options(struct fetch *f, CURL *h, uint64_t left)
{
	int rc = 0;

	rc |= curl_easy_setopt(h, CURLOPT_URL, f->req_url);
	rc |= curl_easy_setopt(h, CURLOPT_PRIVATE, f);
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(h, CURLOPT_PROXY, "");
	rc |= curl_easy_setopt(h, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V6);
	if (f->resolve)
		rc |= curl_easy_setopt(h, CURLOPT_RESOLVE, f->resolve);
	rc |= curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_cb);
	rc |= curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, f);
	if (f->iface[0])
		rc |= curl_easy_setopt(h, CURLOPT_INTERFACE, f->iface);
	rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			       (long)(left < FETCH_CONNECT_TIMEOUT_MS ? left :
				      FETCH_CONNECT_TIMEOUT_MS));
	rc |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left);
	rc |= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
			       (curl_off_t)f->max_body);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
	rc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, f->errbuf);
	rc |= curl_easy_setopt(h, CURLOPT_USERAGENT, "v6mig-agent");
	return rc | set_tls(f, h);
}

static void http_begin(struct fetch *f)
{
	uint64_t now = loop_now_ms();
	uint64_t left = f->deadline_ms > now ? f->deadline_ms - now : 0;

	if (left == 0) {
		finish(f, HB_NO_ANSWER, "no answer within %u ms", f->timeout_ms);
		return;
	}
	f->len = 0;
	f->too_big = f->refused_addr = false;
	f->bind_errno = 0;
	f->errbuf[0] = '\0';
	if (!f->cur.host_is_v6 && pin_addresses(f) < 0) {
		finish(f, HB_NO_ANSWER, "out of memory");
		return;
	}
	f->easy = curl_easy_init();
	if (!f->easy || set_options(f, f->easy, left) != CURLE_OK ||
	    curl_multi_add_handle(f->multi, f->easy) != CURLM_OK)
		finish(f, HB_NO_ANSWER, "cannot set up the transfer to %s",
		       f->cur.host);
}

static void on_aaaa(void *arg, const struct dns_aaaa_result *r)
{
	struct fetch *f = arg;

	f->q = NULL;
	f->res.dns_ms += loop_now_ms() - f->q_start_ms;
	if (r->status < 0) {
		finish(f, HB_NO_ANSWER, "server %s: %s (T2: AAAA only)",
		       f->cur.host, r->err.msg);
		return;
	}
	memcpy(f->addrs, r->addrs, r->n * sizeof(r->addrs[0]));
	f->n_addrs = r->n;
	http_begin(f);
}

/* Start the current hop: build its URL (R1-R8, R7 for this host), then
 * the address (T2), then the transfer. */
static void hop_begin(struct fetch *f)
{
	struct err e;

	if (req_build(&f->req, f->url, f->verify, f->req_url, sizeof(f->req_url),
		      &f->res.creds_sent, &e) < 0 ||
	    url_parse(f->req_url, &f->cur, &e) < 0) {
		finish(f, HB_BAD_ANSWER, "%s", e.msg);
		return;
	}
	req_redact(f->req_url, f->res.url, sizeof(f->res.url));
	if (f->cur.host_is_v4) {
		finish(f, HB_NO_ANSWER, "server %s is an IPv4 literal (T2: IPv6 only)",
		       f->cur.host);
		return;
	}
	if (f->cur.host_is_v6) {
		f->addrs[0] = f->cur.v6;
		f->n_addrs = 1;
		http_begin(f);
		return;
	}
	f->q_start_ms = loop_now_ms();
	f->q = dns_resolve_aaaa(f->d, f->cur.host, on_aaaa, f);
	if (!f->q)
		finish(f, HB_NO_ANSWER, "cannot resolve %s: out of memory", f->cur.host);
}

/* ---- the outcome of one transfer ------------------------------------------ */

/* S1: a 307 goes on to its Location; anything wrong with it is the
 * server's error (bad_answer). */
static void redirect(struct fetch *f)
{
	struct curl_header *loc = NULL;
	char next[URL_MAX], redacted[256], shown[256];
	struct url u;
	struct err e;

	if (curl_easy_header(f->easy, "Location", 0, CURLH_HEADER, -1, &loc) !=
	    CURLHE_OK) {
		finish(f, HB_BAD_ANSWER, "307 from %s without Location (S1)", f->cur.host);
		return;
	}
	/* The Location may echo our query: shown redacted, like our URLs,
	 * and escaped (its bytes are the server's, controls included). */
	req_redact(loc->value, redacted, sizeof(redacted));
	text_escape(redacted, strlen(redacted), shown, sizeof(shown),
		    TEXT_ESC_BACKSLASH);
	if (++f->res.redirects > FETCH_MAX_REDIRECTS) {
		finish(f, HB_BAD_ANSWER, "more than %d redirects (S1), the last to %s",
		       FETCH_MAX_REDIRECTS, shown);
		return;
	}
	/* Relative to the URL just requested (RFC 9110 10.2.2). */
	if (url_resolve(f->req_url, loc->value, next, sizeof(next), &e) < 0 ||
	    url_parse(next, &u, &e) < 0) {
		finish(f, HB_BAD_ANSWER, "307 from %s to '%s': %s (S1)", f->cur.host,
		       shown, e.msg);
		return;
	}
	if (f->verify && !u.https) {
		finish(f, HB_BAD_ANSWER, "307 from %s to http under t=b refused (D4)",
		       f->cur.host);
		return;
	}
	hop_end(f);
	memcpy(f->url, next, strlen(next) + 1);
	hop_begin(f);
}

/* A failed transfer: the server's fault (bad_answer) or no answer. */
static enum hb_class failure_class(CURLcode rc)
{
	switch (rc) {
	case CURLE_FILESIZE_EXCEEDED:  /* Content-Length over the limit */
	case CURLE_WEIRD_SERVER_REPLY: /* not HTTP */
	case CURLE_PARTIAL_FILE:       /* shorter than it said */
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_TOO_MANY_REDIRECTS:
		return HB_BAD_ANSWER;
	default:  /* connect, TLS, verification, timeout, reset: Q4 */
		return HB_NO_ANSWER;
	}
}

/* t=b and the certificate outside its validity period: most often our
 * clock, not the server (a gateway without an RTC at boot). Still a
 * failure -- never a reason to skip verification -- but said plainly. */
static void validity_failed(struct fetch *f)
{
	char why[200];

	f->res.cert = f->ct;
	certtime_explain(&f->ct, time(NULL), why, sizeof(why));
	finish(f, HB_NO_ANSWER, "%s: certificate %s: %s", f->cur.host,
	       f->ct.verify_err == CERT_NOT_YET_VALID ? "not yet valid" : "expired", why);
}

static void transfer_done(struct fetch *f, CURLcode rc)
{
	long status = 0;

	curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
	f->res.http_status = status;
	if (rc != CURLE_OK) {
		if (f->too_big || rc == CURLE_FILESIZE_EXCEEDED)
			finish(f, HB_BAD_ANSWER, "%s: body larger than %zu bytes",
			       f->cur.host, f->max_body);
		else if (f->bind_errno)
			finish(f, HB_NO_ANSWER, "%s: cannot bind to %s (D1): %s",
			       f->cur.host, f->wan, strerror(f->bind_errno));
		else if (f->refused_addr)
			finish(f, HB_NO_ANSWER, "%s: address not from our AAAA lookup (T2)",
			       f->cur.host);
		else if (certtime_failed(f->easy, rc, &f->ct))
			validity_failed(f);
		else
			finish(f, failure_class(rc), "%s: %s%s%s", f->cur.host,
			       curl_easy_strerror(rc), f->errbuf[0] ? ": " : "",
			       f->errbuf);
		return;
	}
	if (status == 307) {
		redirect(f);
		return;
	}
	if (status != 200) {
		/* S1: 403/404 say this source address is unknown; any other
		 * status (a 301, 302, 5xx, ...) is an error too. */
		finish(f, HB_BAD_ANSWER, "HTTP %ld from %s (S1)", status, f->cur.host);
		return;
	}
	f->res.body = f->buf ? f->buf : calloc(1, 1);
	if (!f->res.body) {
		finish(f, HB_NO_ANSWER, "out of memory");
		return;
	}
	f->buf = NULL;
	f->res.body[f->len] = '\0';
	f->res.body_len = f->len;
	finish(f, HB_OK, NULL);
}

static void check_done(struct fetch *f)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(f->multi, &left)))
		if (m->msg == CURLMSG_DONE && m->easy_handle == f->easy) {
			transfer_done(f, m->data.result);
			return; /* the easy handle may be gone now */
		}
}

/* ---- life cycle ------------------------------------------------------------ */

static int copy_str(char **slot, const char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*slot = strdup(src);
	*dst = *slot;
	return *slot ? 0 : -ENOMEM;
}

/* The caller's strings may change after fetch_start: keep our own. */
static int copy_opts(struct fetch *f, const struct fetch_opts *o)
{
	const struct req_params *p = o->req;
	const struct {
		const char **dst;
		const char *src;
	} map[FETCH_N_STRS] = {
		{ &f->req.vendorid, p->vendorid }, { &f->req.product, p->product },
		{ &f->req.version, p->version }, { &f->req.capability, p->capability },
		{ &f->req.token, p->token }, { &f->req.user, p->user },
		{ &f->req.pass, p->pass }, { &f->req.server_name, p->server_name },
		{ &f->ca_file, o->ca_file },
	};

	for (size_t i = 0; i < FETCH_N_STRS; i++)
		if (copy_str(&f->strs[i], map[i].dst, map[i].src) < 0)
			return -ENOMEM;
	f->req.ip6tnl = p->ip6tnl;
	f->req.mesh = p->mesh;
	if (o->wan)
		snprintf(f->wan, sizeof(f->wan), "%s", o->wan);
	/* HB46PP knows the line by the source address (S1: 403/404 for an
	 * unknown one): the WAN's own, not our MAP /128 or a CLAT address
	 * that the kernel's source selection may prefer. */
	if (o->src) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, o->src, a, sizeof(a));
		snprintf(f->iface, sizeof(f->iface), "host!%s", a);
	} else if (o->wan) {
		snprintf(f->iface, sizeof(f->iface), "if!%s", o->wan);
	}
	return 0;
}

static int setup(struct fetch *f, const struct fetch_opts *o, struct err *e)
{
	int rc;

	f->curl_timer.h.fd = f->deadline.h.fd = f->report.h.fd = -1;
	if (copy_opts(f, o) < 0)
		return err_set(e, ENOMEM, "out of memory");
	if ((rc = loop_timer_init(f->l, &f->curl_timer, on_curl_timer, f)) < 0 ||
	    (rc = loop_timer_init(f->l, &f->deadline, on_deadline, f)) < 0 ||
	    (rc = loop_timer_init(f->l, &f->report, on_report, f)) < 0)
		return err_set(e, -rc, "fetch timers: %s", strerror(-rc));
	f->multi = curl_multi_init();
	if (!f->multi ||
	    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, sock_cb) != CURLM_OK ||
	    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f) != CURLM_OK ||
	    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK ||
	    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f) != CURLM_OK)
		return err_set(e, ENOMEM, "curl multi handle");
	return 0;
}

int fetch_start(struct fetch **out, struct loop *l, struct dns *d,
		const struct fetch_opts *o, fetch_cb cb, void *arg,
		struct err *e)
{
	struct fetch *f;
	struct url u;
	int rc;

	if (req_validate(o->req, e) < 0 || url_parse(o->url, &u, e) < 0)
		return -EINVAL;
	if (o->verify && !u.https)
		return err_set(e, EINVAL, "http URL with t=b (D4)");
	if (o->ca_file && access(o->ca_file, R_OK) < 0)
		return err_set(e, errno, "CA file %s: %s", o->ca_file, strerror(errno));
	f = calloc(1, sizeof(*f));
	if (!f)
		return err_set(e, ENOMEM, "out of memory");
	f->l = l;
	f->d = d;
	f->cb = cb;
	f->arg = arg;
	f->verify = o->verify;
	f->timeout_ms = o->timeout_ms ? o->timeout_ms : FETCH_TIMEOUT_MS;
	f->max_body = o->max_body ? o->max_body : FETCH_MAX_BODY;
	memcpy(f->url, o->url, strlen(o->url) + 1);
	f->cur = u;
	if ((rc = setup(f, o, e)) < 0) {
		fetch_free(f);
		return rc;
	}
	f->deadline_ms = loop_now_ms() + f->timeout_ms;
	loop_timer_arm_at(&f->deadline, f->deadline_ms);
	hop_begin(f);
	*out = f;
	return 0;
}

const struct fetch_result *fetch_result(const struct fetch *f)
{
	return f && f->done ? &f->res : NULL;
}

void fetch_free(struct fetch *f)
{
	if (!f)
		return;
	hop_end(f);
	if (f->multi) {
		/* No more socket callbacks into a fetch being freed. */
		curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, NULL);
		curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, NULL);
		curl_multi_cleanup(f->multi);
	}
	for (size_t i = 0; i < f->n_socks; i++) {
		if (f->socks[i]->used)
			loop_fd_del(f->l, &f->socks[i]->h);
		free(f->socks[i]);
	}
	free(f->socks);
	loop_timer_done(f->l, &f->curl_timer);
	loop_timer_done(f->l, &f->deadline);
	loop_timer_done(f->l, &f->report);
	for (size_t i = 0; i < FETCH_N_STRS; i++)
		free(f->strs[i]);
	free(f->buf);
	free(f->res.body);
	free(f);
}
