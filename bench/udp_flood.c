/* SPDX-License-Identifier: MIT */
/* udp_flood: small UDP datagrams as fast as one socket sends them, and a
 * receiver that counts them, for bench/run-xlat.sh (iperf3 3.12's UDP mode
 * loses its own start handshake here: "unable to read from stream socket").
 * Bench-only.
 *
 *   udp_flood recv PORT MAXSECS          -> "PKTS SECS PPS" on stdout
 *       counts datagrams on [::]:PORT (IPv4 too) from the first one until
 *       one second passes without any (or MAXSECS)
 *   udp_flood send ADDR PORT SECS LEN    -> "PKTS" sent
 *       sendmmsg() batches of LEN-byte datagrams to ADDR (IPv4 or IPv6)
 *       for SECS seconds */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define LEN_MAX 1472

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int do_recv(int port, double maxsecs)
{
	static char buf[BATCH][LEN_MAX + 1];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 1 };
	int s = socket(AF_INET6, SOCK_DGRAM, 0), off = 0, rcvbuf = 4 << 20;
	double first = 0, last = 0, start = now();
	unsigned long long n = 0;

	if (s < 0 || setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("udp_flood recv");
		return 1;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i],
						      .msg_iovlen = 1 } };
	}
	printf("ready\n");
	fflush(stdout);
	while (now() - start < maxsecs) {
		int r = recvmmsg(s, m, BATCH, 0, NULL);

		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (n)
				break;  /* a second without any: the sender is done */
			continue;
		}
		if (r < 0) {
			perror("recvmmsg");
			return 1;
		}
		last = now();
		if (!n)
			first = last;
		n += (unsigned long long)r;
	}
	close(s);
	printf("%llu %.3f %.0f\n", n, last - first,
	       last > first ? (double)n / (last - first) : 0.0);
	return 0;
}

static int do_send(const char *addr, int port, double secs, int len)
{
	static char buf[LEN_MAX];
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	struct mmsghdr m[BATCH];
	struct iovec iov = { buf, (size_t)len };
	unsigned long long n = 0;
	socklen_t sl;
	double end;
	int s;

	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		sl = sizeof(*a4);
	} else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*a6);
	} else {
		fprintf(stderr, "udp_flood: bad address %s\n", addr);
		return 2;
	}
	s = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&ss, sl)) {
		perror("udp_flood send");
		return 1;
	}
	for (int i = 0; i < BATCH; i++)
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov,
						      .msg_iovlen = 1 } };
	end = now() + secs;
	while (now() < end) {
		int r = sendmmsg(s, m, BATCH, 0);

		if (r > 0)
			n += (unsigned long long)r;
	}
	close(s);
	printf("%llu\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]), atof(argv[3]));
	if (argc == 6 && !strcmp(argv[1], "send")) {
		int len = atoi(argv[5]);

		if (len < 1 || len > LEN_MAX) {
			fprintf(stderr, "udp_flood: bad length %s\n", argv[5]);
			return 2;
		}
		return do_send(argv[2], atoi(argv[3]), atof(argv[4]), len);
	}
	fprintf(stderr, "usage: udp_flood recv PORT MAXSECS | "
			"send ADDR PORT SECS LEN\n");
	return 2;
}
