/* SPDX-License-Identifier: MIT */
#include "map.h"

#include <errno.h>
#include <string.h>

/* RFC 6052 2.2: the prefix lengths an IPv4-embedded address may use. */
static bool rfc6052_len_ok(unsigned len)
{
	return len == 32 || len == 40 || len == 48 || len == 56 ||
	       len == 64 || len == 96;
}

static bool v4_host_bits(const struct v4pfx *p)
{
	return (ntohl(p->addr.s_addr) & ~v4_mask(p->len)) != 0;
}

static bool v6_host_bits(const struct v6pfx *p)
{
	struct in6_addr m = p->addr;

	v6_mask(&m, p->len);
	return memcmp(&m, &p->addr, sizeof(m)) != 0;
}

/* PSID length a rule implies (RFC 7597 5.2): EA bits beyond the IPv4
 * suffix; negative when the rule delegates an IPv4 prefix. */
static int rule_psid_len(const struct map_rule *r)
{
	return (int)r->ea_len - (32 - (int)r->ipv4.len);
}

int portset_check(const struct portset *ps, struct err *e)
{
	if (ps->offset > 16)
		return err_set(e, EINVAL, "psid offset %u is more than 16",
			       ps->offset);
	if (ps->len > 16 || ps->offset + ps->len > 16)
		return err_set(e, EINVAL,
			       "psid offset %u + psid length %u is more than 16",
			       ps->offset, ps->len);
	if (ps->len < 16 && ps->psid >> ps->len)
		return err_set(e, EINVAL, "psid %u does not fit in %u bits",
			       ps->psid, ps->len);
	return 0;
}

int map_rule_check(const struct map_rule *r, struct err *e)
{
	char b[V6_STR_MAX];
	int k = rule_psid_len(r);

	if (r->ipv6.len > 128)
		return err_set(e, EINVAL, "rule IPv6 prefix length %u", r->ipv6.len);
	if (r->ipv4.len > 32)
		return err_set(e, EINVAL,
			       "rule IPv4 prefix length %u is longer than 32",
			       r->ipv4.len);
	if (r->ea_len > 48)
		return err_set(e, EINVAL, "EA length %u is more than 48",
			       r->ea_len);
	if (r->ipv6.len + r->ea_len > 64)
		return err_set(e, EINVAL,
			       "rule IPv6 length %u + EA length %u is more than 64",
			       r->ipv6.len, r->ea_len);
	if (r->psid_offset > 16)
		return err_set(e, EINVAL, "psid offset %u is more than 16",
			       r->psid_offset);
	if (k > 0 && r->psid_offset + k > 16)
		return err_set(e, EINVAL,
			       "psid offset %u + psid length %d is more than 16",
			       r->psid_offset, k);
	if (v6_host_bits(&r->ipv6))
		return err_set(e, EINVAL, "rule IPv6 prefix %s has host bits set",
			       v6pfx_str(&r->ipv6, b));
	if (v4_host_bits(&r->ipv4))
		return err_set(e, EINVAL, "rule IPv4 prefix %s has host bits set",
			       v4pfx_str(&r->ipv4, b));
	return 0;
}

int map_bmr_select(const struct map_rule *rules, size_t n,
		   const struct v6pfx *ce)
{
	int best = -ENOENT;

	for (size_t i = 0; i < n && i <= MAP_MAX_RULES; i++) {
		const struct v6pfx *rp = &rules[i].ipv6;

		if (rp->len > ce->len || !v6pfx_contains(rp, &ce->addr))
			continue;
		if (best < 0 || rp->len > rules[best].ipv6.len)
			best = (int)i;
	}
	return best;
}

void map_iid(struct in_addr v4, uint16_t psid, enum map_layout layout,
	     struct in6_addr *addr)
{
	/* RFC 7597 6: 16 zero bits, the IPv4 address, the 16-bit PSID.
	 * draft-ietf-softwire-map-03 (what MAP-E with map_e.version 0
	 * means, and what deployed Japanese BRs expect): 8 zero bits, the
	 * IPv4 address, the PSID, 8 zero bits -- the RFC layout moved 8 bits
	 * left. OpenWrt's mapcalc does the same for its `legacymap` option
	 * (package/network/ipv6/map/src/mapcalc.c: v4offset 9 instead of
	 * 10), and the field record in shared/spec/real-responses.md
	 * (133.209.13.2, PSID 0x41 -> ::85:d10d:200:4100) agrees. */
	size_t v4off = layout == MAP_LAYOUT_DRAFT03 ? 9 : 10;

	memset(&addr->s6_addr[8], 0, 8);
	memcpy(&addr->s6_addr[v4off], &v4.s_addr, 4);
	addr->s6_addr[v4off + 4] = (uint8_t)(psid >> 8);
	addr->s6_addr[v4off + 5] = (uint8_t)(psid & 0xff);
}

int map_compute(const struct map_rule *r, const struct v6pfx *ce,
		enum map_layout layout, struct map_result *out,
		struct err *e)
{
	char b1[V6_STR_MAX], b2[V6_STR_MAX];
	struct map_result res;
	unsigned eup_len = r->ipv6.len + r->ea_len;
	unsigned suffix = 32u - r->ipv4.len;
	uint64_t ea;
	uint32_t v4;
	int rc;

	rc = map_rule_check(r, e);
	if (rc < 0)
		return rc;
	if (ce->len < r->ipv6.len || !v6pfx_contains(&r->ipv6, &ce->addr))
		return err_set(e, EINVAL, "prefix %s is outside the rule %s",
			       v6pfx_str(ce, b1), v6pfx_str(&r->ipv6, b2));
	if (ce->len < eup_len)
		return err_set(e, EINVAL,
			       "prefix %s is shorter than the end-user prefix /%u the rule needs",
			       v6pfx_str(ce, b1), eup_len);

	memset(&res, 0, sizeof(res));
	ea = v6_bits(&ce->addr, r->ipv6.len, r->ea_len);
	v4 = ntohl(r->ipv4.addr.s_addr);
	res.ports.offset = r->psid_offset;
	if (r->ea_len >= suffix) {
		/* RFC 7597 5.2: IPv4 suffix, then the PSID. */
		unsigned k = r->ea_len - suffix;

		if (suffix > 0)
			v4 |= (uint32_t)(ea >> k);
		res.ipv4_plen = 32;
		res.ports.len = (uint8_t)k;
		res.ports.psid = (uint16_t)(ea & ((1u << k) - 1));
	} else {
		/* Fewer EA bits than the suffix: an IPv4 prefix. */
		v4 |= (uint32_t)(ea << (suffix - r->ea_len));
		res.ipv4_plen = (uint8_t)(r->ipv4.len + r->ea_len);
	}
	res.ipv4.s_addr = htonl(v4);

	res.eup.addr = ce->addr;
	res.eup.len = (uint8_t)eup_len;
	v6_mask(&res.eup.addr, eup_len);
	/* RFC 7597 6: subnet ID zero, then the interface identifier. */
	res.ce_ipv6 = res.eup.addr;
	map_iid(res.ipv4, res.ports.psid, layout, &res.ce_ipv6);
	*out = res;
	return 0;
}

int lw4o6_compute(const struct v6pfx *pfx, struct in_addr v4,
		  const struct portset *ps, struct in6_addr *b4,
		  struct err *e)
{
	char b[V6_STR_MAX];
	struct in6_addr a;
	int rc;

	rc = portset_check(ps, e);
	if (rc < 0)
		return rc;
	if (pfx->len > 64)
		return err_set(e, EINVAL,
			       "lw4o6 prefix %s is longer than /64",
			       v6pfx_str(pfx, b));
	a = pfx->addr;
	v6_mask(&a, pfx->len);
	/* RFC 7596 5.1: the interface identifier of RFC 7597 6. */
	map_iid(v4, ps->psid, MAP_LAYOUT_RFC7597, &a);
	*b4 = a;
	return 0;
}

size_t portset_nranges(const struct portset *ps)
{
	if (ps->len == 0 || ps->offset == 0)
		return 1;
	return ((size_t)1 << ps->offset) - 1;
}

uint32_t portset_range_size(const struct portset *ps)
{
	if (ps->len == 0)
		return 65536;
	return 1u << (16 - ps->offset - ps->len);
}

uint32_t portset_count(const struct portset *ps)
{
	return (uint32_t)portset_nranges(ps) * portset_range_size(ps);
}

struct port_range portset_range(const struct portset *ps, size_t i)
{
	struct port_range pr = { 0, 65535 };
	unsigned m, base;

	if (ps->len == 0)
		return pr;
	/* RFC 7597 5.1: port = A . PSID . j with A >= 1 when a > 0, so the
	 * ports below 2^(16-a) are never in a set. */
	m = 16u - ps->offset - ps->len;
	base = ((unsigned)ps->psid << m);
	if (ps->offset > 0)
		base |= (unsigned)(i + 1) << (16 - ps->offset);
	pr.min = (uint16_t)base;
	pr.max = (uint16_t)(base + (1u << m) - 1);
	return pr;
}

bool portset_contains(const struct portset *ps, uint16_t p)
{
	unsigned m;

	if (ps->len == 0)
		return true;
	if (ps->offset > 0 && (p >> (16 - ps->offset)) == 0)
		return false;
	m = 16u - ps->offset - ps->len;
	return ((p >> m) & ((1u << ps->len) - 1)) == ps->psid;
}

int rfc6052_embed(const struct v6pfx *pfx, struct in_addr v4,
		  struct in6_addr *out, struct err *e)
{
	char b[V6_STR_MAX];
	const uint8_t *src = (const uint8_t *)&v4.s_addr;
	struct in6_addr a;
	unsigned pos;

	if (!rfc6052_len_ok(pfx->len))
		return err_set(e, EINVAL,
			       "RFC 6052 prefix length /%u is not one of 32, 40, 48, 56, 64, 96",
			       pfx->len);
	if (pfx->len == 96 && pfx->addr.s6_addr[8] != 0)
		return err_set(e, EINVAL,
			       "RFC 6052 prefix %s has bits 64-71 set",
			       v6pfx_str(pfx, b));
	a = pfx->addr;
	v6_mask(&a, pfx->len);
	/* RFC 6052 2.2: the IPv4 bytes follow the prefix, skipping the
	 * "u" octet (bits 64-71), which stays zero. */
	pos = pfx->len / 8;
	for (int i = 0; i < 4; i++) {
		if (pos == 8)
			pos++;
		a.s6_addr[pos++] = src[i];
	}
	*out = a;
	return 0;
}

int rfc6052_extract(const struct v6pfx *pfx, const struct in6_addr *a,
		    struct in_addr *out)
{
	uint8_t *dst = (uint8_t *)&out->s_addr;
	unsigned pos;

	if (!rfc6052_len_ok(pfx->len) || !v6pfx_contains(pfx, a))
		return -EINVAL;
	pos = pfx->len / 8;
	for (int i = 0; i < 4; i++) {
		if (pos == 8)
			pos++;
		dst[i] = a->s6_addr[pos++];
	}
	return 0;
}
