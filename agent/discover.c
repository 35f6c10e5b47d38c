/* SPDX-License-Identifier: MIT */
#include "discover.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnsname.h"
#include "log.h"
#include "textesc.h"
#include "url.h"

/* One socket c-ares asked us to watch. Entries are kept (and reused)
 * until dns_free: the loop may still hold an event for one removed in
 * the same turn, which then finds it unused and ignores it. */
struct dns_sock {
	struct loop_fd h;
	struct dns *d;
	bool used;
};

struct dns {
	struct loop *l;
	ares_channel ch;
	struct loop_timer timer;  /* follows ares_timeout() */
	struct loop_timer deliver; /* hands finished queries to their callers */
	struct dns_query *ready;  /* finished, not yet handed over (FIFO) */
	struct dns_query **ready_tail;
	struct dns_sock **socks;
	size_t n_socks;
	char wan[IFNAMSIZ];       /* every socket must be bound to it (D1) */
	struct in6_addr src;      /* the IPv6 source, or :: */
	bool lib_init;
};

enum query_kind { Q_TXT, Q_AAAA };

/* A query lives from its start until its result was handed over (or it
 * was cancelled and c-ares let go of it). c-ares 1.18 may call our
 * callback inside ares_query() itself (no route to the resolver, a bad
 * name, no memory): the result is only stored then, and handed to the
 * caller from the loop (deliver), so a start function never reports and
 * never returns a query already freed. */
struct dns_query {
	struct dns *d;
	enum query_kind kind;
	union {
		discover_cb txt;
		dns_aaaa_cb aaaa;
	} cb;
	void *arg;
	bool cancelled;           /* the caller let go: no callback */
	bool ready;               /* on d->ready: c-ares let go */
	struct dns_query *next;   /* d->ready */
	struct txt_work *txt;     /* Q_TXT result */
	struct dns_aaaa_result aaaa; /* Q_AAAA result */
	char name[URL_HOST_MAX];
};

int dns_parse_resolver(const char *s, struct sockaddr_storage *out,
		       struct err *e)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	char addr[INET6_ADDRSTRLEN];
	const char *hash = strchr(s, '#');
	size_t n = hash ? (size_t)(hash - s) : strlen(s);
	unsigned long port = 53;
	char *end = NULL;

	memset(&ss, 0, sizeof(ss));
	if (n == 0 || n >= sizeof(addr))
		return err_set(e, EINVAL, "resolver '%.64s' is not ADDR[#PORT]", s);
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (hash) {
		port = strtoul(hash + 1, &end, 10);
		if (!hash[1] || *end || hash[1] == '0' || port > 65535)
			return err_set(e, EINVAL, "resolver '%.64s': bad port", s);
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else {
		return err_set(e, EINVAL, "resolver '%.64s' is not an IP address", s);
	}
	*out = ss;
	return 0;
}

/* ---- the loop side ---------------------------------------------------- */

static void rearm(struct dns *d)
{
	struct timeval tv, *t = ares_timeout(d->ch, NULL, &tv);

	if (!t) {
		loop_timer_disarm(&d->timer);
		return;
	}
	loop_timer_arm_at(&d->timer, loop_now_ms() + (uint64_t)t->tv_sec * 1000u +
			  (uint64_t)t->tv_usec / 1000u);
}

static void on_timer(struct loop_timer *t, void *data)
{
	struct dns *d = data;

	(void)t;
	ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm(d);
}

static void on_sock(struct loop_fd *h, uint32_t events, void *data)
{
	struct dns_sock *s = data;
	struct dns *d = s->d;
	int fd = h->fd;

	if (!s->used)
		return;
	ares_process_fd(d->ch,
			events & (EPOLLIN | EPOLLERR | EPOLLHUP) ? fd : ARES_SOCKET_BAD,
			events & EPOLLOUT ? fd : ARES_SOCKET_BAD);
	rearm(d);
}

static struct dns_sock *sock_slot(struct dns *d, int fd, bool any_free)
{
	struct dns_sock **grown, *s;

	for (size_t i = 0; i < d->n_socks; i++)
		if (d->socks[i]->used ? d->socks[i]->h.fd == fd : any_free)
			return d->socks[i];
	if (!any_free)
		return NULL;
	grown = realloc(d->socks, (d->n_socks + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	d->socks = grown;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	d->socks[d->n_socks++] = s;
	return s;
}

/* ARES_OPT_SOCK_STATE_CB: watch, change or forget one socket. */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns *d = data;
	struct dns_sock *s = sock_slot(d, fd, false);
	uint32_t ev = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);

	if (!ev) {
		if (s) {
			loop_fd_del(d->l, &s->h);
			s->used = false;
		}
		return;
	}
	if (s) {
		loop_fd_mod(d->l, &s->h, ev);
		return;
	}
	s = sock_slot(d, fd, true);
	if (!s) {
		log_err("dns: out of memory watching socket %d", fd);
		return;
	}
	*s = (struct dns_sock){ .h = { fd, ev, on_sock, s }, .d = d, .used = true };
	if (loop_fd_add(d->l, &s->h) < 0) {
		log_err("dns: cannot watch socket %d", fd);
		s->used = false;
	}
}

/* ---- channel ------------------------------------------------------------ */

/* c-ares 1.18 ignores a failing SO_BINDTODEVICE (no CAP_NET_RAW, the WAN
 * gone): a socket not bound to the WAN is refused here, so discovery
 * never leaves by another interface (D1). */
static int sock_created(ares_socket_t fd, int type, void *data)
{
	struct dns *d = data;
	char dev[IFNAMSIZ + 1] = "";
	socklen_t len = sizeof(dev);

	(void)type;
	if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len) < 0 ||
	    strcmp(dev, d->wan)) {
		log_warn("dns: a socket not bound to %s refused (D1)", d->wan);
		return -1;
	}
	return 0;
}

/* Can a socket as c-ares makes them reach resolver s? 0 or the errno. */
static int try_connect(struct dns *d, const struct ares_addr_port_node *s,
		       struct sockaddr_storage *ss, char *a)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	socklen_t len = s->family == AF_INET6 ? sizeof(*s6) : sizeof(*s4);
	int fd, err = 0;

	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)s->family;
	if (s->family == AF_INET6) {
		memcpy(&s6->sin6_addr, &s->addr.addr6, sizeof(s6->sin6_addr));
		s6->sin6_port = htons((uint16_t)(s->udp_port ? s->udp_port : 53));
		inet_ntop(AF_INET6, &s6->sin6_addr, a, INET6_ADDRSTRLEN);
	} else {
		s4->sin_addr = s->addr.addr4;
		s4->sin_port = htons((uint16_t)(s->udp_port ? s->udp_port : 53));
		inet_ntop(AF_INET, &s4->sin_addr, a, INET6_ADDRSTRLEN);
	}
	fd = socket(s->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (d->wan[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, d->wan,
				    (socklen_t)strlen(d->wan)) < 0)
		err = errno;
	if (!err && s->family == AF_INET6 && !IN6_IS_ADDR_UNSPECIFIED(&d->src)) {
		struct sockaddr_in6 me = { .sin6_family = AF_INET6, .sin6_addr = d->src };

		if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0)
			err = errno;
	}
	if (!err && connect(fd, (struct sockaddr *)ss, len) < 0)
		err = errno;
	close(fd);
	return err;
}

static int set_servers(struct dns *d, const struct dns_opts *o, struct err *e)
{
	struct ares_addr_port_node nodes[DNS_MAX_RESOLVERS];
	struct sockaddr_storage ss;

	if (o->n_resolvers > DNS_MAX_RESOLVERS)
		return err_set(e, EINVAL, "more than %d resolvers", DNS_MAX_RESOLVERS);
	memset(nodes, 0, sizeof(nodes));
	for (size_t i = 0; i < o->n_resolvers; i++) {
		struct ares_addr_port_node *n = &nodes[i];

		if (dns_parse_resolver(o->resolvers[i], &ss, e) < 0)
			return -EINVAL;
		n->next = i + 1 < o->n_resolvers ? &nodes[i + 1] : NULL;
		n->family = ss.ss_family;
		if (ss.ss_family == AF_INET6) {
			n->addr.addr6 = *(struct ares_in6_addr *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
			n->udp_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		} else {
			n->addr.addr4 = ((struct sockaddr_in *)&ss)->sin_addr;
			n->udp_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		}
		n->tcp_port = n->udp_port;
	}
	if (o->n_resolvers && ares_set_servers_ports(d->ch, nodes) != ARES_SUCCESS)
		return err_set(e, EINVAL, "c-ares refused the resolver list");
	return 0;
}

static int channel_init(struct dns *d, const struct dns_opts *o, struct err *e)
{
	struct ares_options ao;
	int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
		   ARES_OPT_FLAGS;
	int rc;

	memset(&ao, 0, sizeof(ao));
	ao.sock_state_cb = sock_state;
	ao.sock_state_cb_data = d;
	ao.timeout = (int)(o->timeout_ms ? o->timeout_ms : DNS_TIMEOUT_MS);
	ao.tries = (int)(o->tries ? o->tries : DNS_TRIES);
	/* ares_query() never searches; the flags keep c-ares from reading
	 * more than it must. Without servers given, /etc/resolv.conf (D1). */
	ao.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	rc = ares_init_options(&d->ch, &ao, mask);
	if (rc != ARES_SUCCESS)
		return err_set(e, EIO, "c-ares: %s", ares_strerror(rc));
	if (o->wan) {
		ares_set_local_dev(d->ch, o->wan);
		ares_set_socket_callback(d->ch, sock_created, d);
	}
	/* HB46PP identifies the line by the source address: the WAN's own,
	 * never our MAP /128 or a CLAT address the kernel may prefer (and
	 * with the WAN gone, bind() fails instead of leaving elsewhere). */
	if (o->src)
		ares_set_local_ip6(d->ch, o->src->s6_addr);
	return set_servers(d, o, e);
}

static void on_deliver(struct loop_timer *t, void *data);
static void query_free(struct dns_query *q);

int dns_new(struct dns **out, struct loop *l, const struct dns_opts *o,
	    struct err *e)
{
	struct dns *d = calloc(1, sizeof(*d));
	int rc;

	if (!d)
		return err_set(e, ENOMEM, "out of memory");
	d->l = l;
	d->ready_tail = &d->ready;
	if (o->wan)
		snprintf(d->wan, sizeof(d->wan), "%s", o->wan);
	if (o->src)
		d->src = *o->src;
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		free(d);
		return err_set(e, EIO, "c-ares: %s", ares_strerror(rc));
	}
	d->lib_init = true;
	d->timer.h.fd = d->deliver.h.fd = -1;
	if ((rc = loop_timer_init(l, &d->timer, on_timer, d)) < 0 ||
	    (rc = loop_timer_init(l, &d->deliver, on_deliver, d)) < 0) {
		err_set(e, -rc, "dns timer: %s", strerror(-rc));
		dns_free(d);
		return rc;
	}
	if ((rc = channel_init(d, o, e)) < 0) {
		dns_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void dns_free(struct dns *d)
{
	if (!d)
		return;
	/* Pending queries end with ARES_EDESTRUCTION: freed, not reported. */
	if (d->ch)
		ares_destroy(d->ch);
	while (d->ready) {
		struct dns_query *q = d->ready;

		d->ready = q->next;
		query_free(q);
	}
	loop_timer_done(d->l, &d->timer);
	loop_timer_done(d->l, &d->deliver);
	for (size_t i = 0; i < d->n_socks; i++) {
		if (d->socks[i]->used)
			loop_fd_del(d->l, &d->socks[i]->h);
		free(d->socks[i]);
	}
	free(d->socks);
	if (d->lib_init)
		ares_library_cleanup();
	free(d);
}

void dns_cancel(struct dns_query *q)
{
	if (q)
		q->cancelled = true;
}

/* ---- queries ------------------------------------------------------------ */

enum hb_class discover_class(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return HB_OK;
	case ARES_ENOTFOUND: /* NXDOMAIN */
	case ARES_ENODATA:   /* NODATA */
		return HB_NOT_PROVISIONED;
	default:             /* timeout, SERVFAIL, REFUSED, unreachable... */
		return HB_DNS_FAILURE;
	}
}

static int status_errno(int status)
{
	switch (status) {
	case ARES_ENOTFOUND:
		return -ENOENT;
	case ARES_ENODATA:
		return -ENODATA;
	case ARES_ETIMEOUT:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

/* The answer being read: records joined, then the result. Allocated per
 * answer (about 37 KiB): no static buffers, c-ares calls back re-entrantly
 * only in our own process but a daemon may run several queries. */
struct txt_work {
	struct discover_result r;
	char recs[DISCOVER_MAX_RECORDS][TXT_RECORD_MAX + 1];
	size_t lens[DISCOVER_MAX_RECORDS];
};

/* Join each record's character-strings with nothing between (D2), count
 * the records, keep the first ones for txt_select and messages. */
static int collect_txt(const unsigned char *abuf, int alen, struct txt_work *w)
{
	struct ares_txt_ext *list = NULL;
	int rc = ares_parse_txt_reply_ext(abuf, alen, &list);

	if (rc != ARES_SUCCESS)
		return rc;
	for (struct ares_txt_ext *t = list; t; t = t->next) {
		size_t i, room, n;

		if (t->record_start || w->r.n_records == 0)
			w->r.n_records++;
		i = w->r.n_records - 1;
		if (i >= DISCOVER_MAX_RECORDS)
			continue;
		/* Cap at one byte over the limit: txt.c then refuses it. */
		room = TXT_RECORD_MAX + 1 - w->lens[i];
		n = t->length < room ? t->length : room;
		memcpy(w->recs[i] + w->lens[i], t->txt, n);
		w->lens[i] += n;
	}
	ares_free_data(list);
	return ARES_SUCCESS;
}

static void txt_answer(struct dns_query *q, const unsigned char *abuf, int alen,
		       struct txt_work *w)
{
	struct discover_result *r = &w->r;
	const char *ptrs[DISCOVER_MAX_RECORDS];
	int rc = collect_txt(abuf, alen, w);

	if (rc != ARES_SUCCESS) {
		/* ENODATA here: an answer with no TXT in it (only a CNAME). */
		r->cls = discover_class(rc);
		err_set(&r->err, EIO, "TXT %s: %s", q->name, ares_strerror(rc));
		return;
	}
	for (size_t i = 0; i < DISCOVER_MAX_RECORDS; i++)
		ptrs[i] = w->recs[i];
	if (r->n_records) {
		memcpy(r->record, w->recs[0], w->lens[0]);
		r->record_len = w->lens[0];
	}
	if (txt_select(ptrs, w->lens, r->n_records, &r->txt, &r->err) < 0) {
		r->cls = HB_NOT_PROVISIONED; /* D5 */
		err_wrap(&r->err, EINVAL, "TXT %s", q->name);
		return;
	}
	r->cls = HB_OK;
}

static void query_free(struct dns_query *q)
{
	free(q->txt);
	free(q);
}

/* c-ares let go of q: store nothing more, hand the result over from the
 * loop (never from inside ares_query, see struct dns_query). */
static void query_ready(struct dns_query *q)
{
	struct dns *d = q->d;

	if (q->cancelled) {
		query_free(q);
		return;
	}
	q->ready = true;
	q->next = NULL;
	*d->ready_tail = q;
	d->ready_tail = &q->next;
	loop_timer_arm_at(&d->deliver, loop_now_ms());
}

static void on_deliver(struct loop_timer *t, void *data)
{
	struct dns *d = data;
	struct dns_query *q = d->ready;

	(void)t;
	loop_timer_disarm(&d->deliver);
	/* Callbacks may start queries (they go on a fresh list) or cancel
	 * queries still on this one (they are then skipped). */
	d->ready = NULL;
	d->ready_tail = &d->ready;
	while (q) {
		struct dns_query *next = q->next;

		if (!q->cancelled && q->kind == Q_TXT)
			q->cb.txt(q->arg, &q->txt->r);
		else if (!q->cancelled)
			q->cb.aaaa(q->arg, &q->aaaa);
		query_free(q);
		q = next;
	}
}

/* ARES_ECONNREFUSED says only that no resolver could be reached; say why,
 * as the kernel tells it for each one (a link-local resolver without a
 * scope, no route, the WAN gone). */
static void why_unreachable(struct dns *d, char *buf, size_t size)
{
	struct ares_addr_port_node *list = NULL;
	size_t n = 0;

	buf[0] = '\0';
	if (ares_get_servers_ports(d->ch, &list) != ARES_SUCCESS)
		return;
	for (struct ares_addr_port_node *s = list; s && n + 1 < size; s = s->next) {
		struct sockaddr_storage ss;
		char a[INET6_ADDRSTRLEN];
		int err = try_connect(d, s, &ss, a);

		if (err)
			n += (size_t)snprintf(buf + n, size - n, "%s%s#%d%s%s: %s%s",
					      n ? "; " : ": ", a,
					      s->udp_port ? s->udp_port : 53,
					      d->wan[0] ? " via " : "", d->wan,
					      strerror(err),
					      err == EINVAL && s->family == AF_INET6 &&
					      IN6_IS_ADDR_LINKLOCAL((struct in6_addr *)&s->addr.addr6) ?
					      " (a link-local resolver needs a scope c-ares 1.18 cannot take)" : "");
	}
	ares_free_data(list);
}

static void status_msg(struct dns_query *q, int status, struct err *e)
{
	char why[512] = "";

	if (status == ARES_ECONNREFUSED)
		why_unreachable(q->d, why, sizeof(why));
	err_set(e, EIO, "%s %s: %s%s", q->kind == Q_TXT ? "TXT" : "AAAA", q->name,
		ares_strerror(status), why);
}

static void txt_done(void *arg, int status, int timeouts, unsigned char *abuf,
		     int alen)
{
	struct dns_query *q = arg;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || q->cancelled) {
		query_free(q); /* dns_free, or the caller let go */
		return;
	}
	if (status == ARES_SUCCESS) {
		txt_answer(q, abuf, alen, q->txt);
	} else {
		q->txt->r.cls = discover_class(status);
		status_msg(q, status, &q->txt->r.err);
	}
	query_ready(q);
}

static void aaaa_answer(struct dns_query *q, const unsigned char *abuf,
			int alen, struct dns_aaaa_result *r)
{
	struct ares_addr6ttl ttls[DNS_MAX_AAAA];
	int n = DNS_MAX_AAAA;
	int rc = ares_parse_aaaa_reply(abuf, alen, NULL, ttls, &n);

	if (rc != ARES_SUCCESS || n <= 0) {
		rc = rc == ARES_SUCCESS ? ARES_ENODATA : rc;
		r->status = status_errno(rc);
		err_set(&r->err, -r->status, "AAAA %s: %s", q->name, ares_strerror(rc));
		return;
	}
	r->ttl_s = UINT32_MAX;
	for (int i = 0; i < n; i++) {
		memcpy(&r->addrs[i], &ttls[i].ip6addr, sizeof(r->addrs[i]));
		if (ttls[i].ttl >= 0 && (uint32_t)ttls[i].ttl < r->ttl_s)
			r->ttl_s = (uint32_t)ttls[i].ttl;
	}
	if (r->ttl_s == UINT32_MAX)
		r->ttl_s = 0;
	r->n = (size_t)n;
	r->status = 0;
}

static void aaaa_done(void *arg, int status, int timeouts, unsigned char *abuf,
		      int alen)
{
	struct dns_query *q = arg;
	struct dns_aaaa_result *r = &q->aaaa;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || q->cancelled) {
		query_free(q);
		return;
	}
	if (status == ARES_SUCCESS) {
		aaaa_answer(q, abuf, alen, r);
	} else {
		r->status = status_errno(status);
		status_msg(q, status, &r->err);
	}
	query_ready(q);
}

static struct dns_query *query_new(struct dns *d, enum query_kind kind,
				   const char *name, void *arg)
{
	struct dns_query *q;

	if (strlen(name) >= sizeof(q->name))
		name = "(name too long)"; /* refused below, reported */
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	if (kind == Q_TXT && !(q->txt = calloc(1, sizeof(*q->txt)))) {
		free(q);
		return NULL;
	}
	q->d = d;
	q->kind = kind;
	q->arg = arg;
	memcpy(q->name, name, strlen(name) + 1);
	return q;
}

/* Send q, or report (from the loop) why not: a name that is not a DNS
 * name never reaches c-ares. */
static void query_send(struct dns *d, struct dns_query *q, const char *name,
		       int type, ares_callback cb)
{
	if (!dns_name_valid(name, true)) {
		char shown[128];

		text_escape(name, strlen(name), shown, sizeof(shown), TEXT_ESC_BACKSLASH);
		cb(q, ARES_EBADNAME, 0, NULL, 0);
		snprintf(q->kind == Q_TXT ? q->txt->r.err.msg : q->aaaa.err.msg,
			 ERR_MSG_MAX, "%s '%s': not a DNS name",
			 q->kind == Q_TXT ? "TXT" : "AAAA", shown);
		return;
	}
	/* ares_query: the name as given, no search list (D1). */
	ares_query(d->ch, name, ns_c_in, type, cb, q);
	rearm(d);
}

struct dns_query *discover_start(struct dns *d, const char *domain,
				 discover_cb cb, void *arg)
{
	struct dns_query *q = query_new(d, Q_TXT, domain, arg);

	if (!q)
		return NULL;
	q->cb.txt = cb;
	query_send(d, q, domain, ns_t_txt, txt_done);
	return q;
}

struct dns_query *dns_resolve_aaaa(struct dns *d, const char *name,
				   dns_aaaa_cb cb, void *arg)
{
	struct dns_query *q = query_new(d, Q_AAAA, name, arg);

	if (!q)
		return NULL;
	q->cb.aaaa = cb;
	query_send(d, q, name, ns_t_aaaa, aaaa_done);
	return q;
}
