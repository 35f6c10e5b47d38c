#!/bin/bash
# inet.sh start|stop|seen [N] -- the IPv4 servers in namespace inet
# ($INET4 and .11-.14, ports $INET_PORTS: TCP and UDP answer "you are
# IP:PORT", ICMP echo requests are noted). `seen` prints the last N (all)
# events as JSON lines: what the Internet saw of the CE.
set -u
. "$(dirname "$0")/lib.sh"
LOG=$LAB_DIR/inet/seen.log

case ${1:-} in
start)
	mkdir -p "$LAB_DIR/inet"
	: >"$LOG"
	rm -f "$LAB_DIR/inet/ready"
	# shellcheck disable=SC2086
	spawn inet "$(ns inet)" "$PY" "$LAB_SCRIPTS/inet.py" "$LOG" "$LAB_DIR/inet/ready" $INET_PORTS
	wait_until 20 test -e "$LAB_DIR/inet/ready" || die "inet servers did not start: $(tail -3 "$LAB_DIR/log/inet.log")"
	;;
stop) stop inet ;;
seen) if [ -n "${2:-}" ]; then tail -n "$2" "$LOG"; else cat "$LOG"; fi ;;
*) echo "usage: $0 start|stop|seen [N]" >&2; exit 2 ;;
esac
