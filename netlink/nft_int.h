/* SPDX-License-Identifier: MIT */
/* Shared between netlink/nft.c and netlink/nft_read.c only. */
#ifndef V6MIG_NFT_INT_H
#define V6MIG_NFT_INT_H

struct mnl_socket;
struct nft_ctx;
struct nft_objs;
struct err;

/* NETLINK_NETFILTER socket in the current namespace, extended and capped
 * ACKs on, receive timeout set. */
int nft_sock_open(struct mnl_socket **out, struct err *e);
/* Our table as the kernel holds it (o->table NULL when absent). */
int nft_read_with(struct mnl_socket *nl, struct nft_ctx *c,
		  struct nft_objs *o, struct err *e);

#endif
