/* SPDX-License-Identifier: MIT */
/* The daemon's QUERY: HB46PP discovery (3.1), fetch (3.2-3.3) and
 * validation (3.4), or the provisioning file of the fixed mode (S8). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "meshcap.h"
#include "daemon.h"
#include "heapstat.h"
#include "log.h"
#include "offer.h"
#include "request.h"
#include "wansrc.h"

#define RESOLV_CONF "/etc/resolv.conf" /* c-ares' own default (D1) */

static void push_result(struct daemon *d, enum hb_class cls, struct prov *p)
{
	struct seq_event ev = { .type = SEQ_EV_RESULT, .cls = cls, .prov = p };

	d->has_class = true;
	d->last_class = cls;
	d->queries++;
	heap_test_leak();
	daemon_push(d, &ev);
}

static void fail(struct daemon *d, enum hb_class cls, const char *what,
		 const char *msg)
{
	daemon_set_error(d, "%s: %s: %s", what, hb_class_name(cls), msg);
	log_warn("%s: %s: %s", what, hb_class_name(cls), msg);
	push_result(d, cls, NULL);
}

/* A 200 body: validate it (S1-S14). */
static void take_body(struct daemon *d, const char *body, size_t len,
		      const char *from)
{
	struct err e, warn;
	struct prov p; /* moved into the queue by the event */

	memset(&warn, 0, sizeof(warn));
	if (prov_parse(body, len, &p, &e, &warn) < 0) {
		fail(d, HB_BAD_ANSWER, from, e.msg);
		return;
	}
	if (warn.msg[0])
		log_warn("%s: %s", from, warn.msg);
	if (p.has_token)
		memcpy(d->token, p.token, sizeof(d->token));
	log_info("%s: valid provisioning from %s%s%s, order [%zu method%s]%s",
		 from, p.enabler_name[0] ? p.enabler_name : "(no enabler_name)",
		 p.service_name[0] ? " / " : "", p.service_name,
		 p.n_order, p.n_order == 1 ? "" : "s",
		 p.auth == PROV_AUTH_BAD ? " auth=bad (S7)" :
		 p.auth == PROV_AUTH_REQ ? " auth=req: give user/pass (S7)" : "");
	d->last_error[0] = '\0';
	push_result(d, HB_OK, &p);
}

static void on_fetch(void *arg, const struct fetch_result *r)
{
	struct daemon *d = arg;

	d->last_fetch = time(NULL);
	d->fetch_done = d->fetch;
	d->fetch = NULL;
	daemon_phase(d, &d->tm.https_ms, r->dns_ms);
	daemon_ops_fetched(d, r);
	if (r->cls != HB_OK) {
		fail(d, r->cls, "fetch", r->err.msg);
		return;
	}
	log_info("fetch: HTTP %ld from %s after %u redirect%s (S1)",
		 r->http_status, r->url, r->redirects, r->redirects == 1 ? "" : "s");
	take_body(d, r->body, r->body_len, "fetch");
}

static void start_fetch(struct daemon *d)
{
	const struct v6mig_config *c = &d->cfg;
	struct req_params req = {
		.vendorid = c->vendorid,
		.product = c->product,
		.version = c->version,
		.token = d->token[0] ? d->token : NULL,
		.user = c->user[0] ? c->user : NULL,
		.pass = c->pass[0] ? c->pass : NULL,
		.server_name = c->server_name[0] ? c->server_name : NULL,
		.ip6tnl = ip6tnl_capable(),
		.mesh = mesh_capable(),
	};
	struct fetch_opts o = {
		.url = d->txt_url,
		.verify = d->verify,
		.req = &req,
		.ca_file = c->ca_file[0] ? c->ca_file : NULL,
		.wan = c->wan,
		.src = d->dns_src.has_src ? &d->dns_src.src : NULL,
		.timeout_ms = c->timeout_s * 1000u,
	};
	struct err e;

	if (fetch_start(&d->fetch, d->loop, d->dns, &o, on_fetch, d, &e) < 0) {
		d->fetch = NULL;
		fail(d, HB_BAD_ANSWER, "fetch", e.msg);
	}
}

static void on_discover(void *arg, const struct discover_result *r)
{
	struct daemon *d = arg;

	d->dq = NULL;
	daemon_phase(d, &d->tm.dns_ms, 0);
	if (r->cls != HB_OK) {
		fail(d, r->cls, "discover", r->err.msg);
		return;
	}
	snprintf(d->txt_url, sizeof(d->txt_url), "%s", r->txt.url);
	d->verify = r->txt.verify;
	log_info("discover: TXT %s: url %s t=%c (D2)", d->cfg.domain,
		 d->txt_url, d->verify ? 'b' : 'a');
	start_fetch(d);
}

/* S8's fixed mode: the data come from a file, not from the network. */
static void query_file(struct daemon *d)
{
	struct prov p; /* moved into the queue by the event */
	struct err e, warn;

	d->last_fetch = time(NULL);
	if (offer_load(d->cfg.provisioning_file, &p, &e, &warn) < 0) {
		fail(d, HB_BAD_ANSWER, "provisioning_file", e.msg);
		return;
	}
	if (warn.msg[0])
		log_warn("provisioning_file: %s", warn.msg);
	log_info("provisioning_file: %s (fixed mode, S8)", d->cfg.provisioning_file);
	d->last_error[0] = '\0';
	push_result(d, HB_OK, &p);
}

/* The channel's dependencies now: the WAN's own address (issue 10 3),
 * resolv.conf's identity when no resolvers are configured. */
static void dns_src_now(const struct daemon *d, struct dns_src *k)
{
	struct stat st;
	struct err e;

	memset(k, 0, sizeof(*k));
	if (wan_source(d->cfg.wan, &k->src, &e) == 0)
		k->has_src = true;
	if (d->cfg.n_resolvers || stat(RESOLV_CONF, &st) < 0)
		return;
	k->has_conf = true;
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->size = st.st_size;
	k->mtime = st.st_mtim;
}

static bool dns_src_equal(const struct dns_src *a, const struct dns_src *b)
{
	return a->has_src == b->has_src &&
	       (!a->has_src || !memcmp(&a->src, &b->src, sizeof(a->src))) &&
	       a->has_conf == b->has_conf && a->dev == b->dev &&
	       a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static int dns_open(struct daemon *d, const struct dns_src *k, struct dns **out,
		    struct err *e)
{
	const char *res[CFG_MAX_RESOLVERS];
	struct dns_opts o = { .resolvers = res, .n_resolvers = d->cfg.n_resolvers,
			      .wan = d->cfg.wan, .src = k->has_src ? &k->src : NULL };
	const char *what = d->dns ? "new channel" : "channel";
	char a[INET6_ADDRSTRLEN] = "-";
	int rc;

	for (size_t i = 0; i < d->cfg.n_resolvers; i++)
		res[i] = d->cfg.resolvers[i];
	rc = dns_new(out, d->loop, &o, e);
	if (rc < 0)
		return rc;
	if (k->has_src)
		inet_ntop(AF_INET6, &k->src, a, sizeof(a));
	log_info("dns: %s on %s, source %s%s", what, d->cfg.wan, a, d->cfg.n_resolvers ? "" : k->has_conf ?
		 ", servers from " RESOLV_CONF : ", no " RESOLV_CONF);
	return 0;
}

/* Before each query (between loop turns, nothing of the old channel in
 * flight): a new WAN address or a new resolv.conf (rewritten by a DHCPv6
 * or RA client, typically on a WAN change) makes a new channel, so the
 * servers are read again and the sockets leave from the right address. */
static void dns_refresh(struct daemon *d)
{
	struct dns_src k;
	struct dns *nd = NULL;
	struct err e;

	dns_src_now(d, &k);
	if (d->dns && dns_src_equal(&k, &d->dns_src))
		return;
	if (dns_open(d, &k, &nd, &e) < 0) {
		log_warn("dns: keeping the old channel: %s", e.msg);
		return;
	}
	fetch_free(d->fetch_done); /* it may still name a query of the old one */
	d->fetch_done = NULL;
	daemon_peer_stop(d, PEER_PAUSE);
	dns_free(d->dns);
	d->dns = nd;
	d->dns_src = k;
}

void daemon_query(struct daemon *d)
{
	daemon_hb_cancel(d);
	if (d->cfg.provisioning_file[0]) {
		query_file(d);
		return;
	}
	dns_refresh(d);
	log_debug("discover: TXT %s (Q1)", d->cfg.domain);
	daemon_phase(d, NULL, 0);
	d->dq = discover_start(d->dns, d->cfg.domain, on_discover, d);
	if (!d->dq)
		fail(d, HB_DNS_FAILURE, "discover", "out of memory");
}

void daemon_hb_cancel(struct daemon *d)
{
	if (d->dq) {
		dns_cancel(d->dq);
		d->dq = NULL;
	}
	if (d->fetch) {
		d->fetch_done = d->fetch; /* freed between loop turns */
		d->fetch = NULL;
	}
}

int daemon_hb_init(struct daemon *d, struct err *e)
{
	dns_src_now(d, &d->dns_src);
	return dns_open(d, &d->dns_src, &d->dns, e);
}

void daemon_hb_done(struct daemon *d)
{
	daemon_hb_cancel(d);
	daemon_peer_stop(d, PEER_FORGET);
	fetch_free(d->fetch_done);
	d->fetch_done = NULL;
	dns_free(d->dns);
	d->dns = NULL;
}
