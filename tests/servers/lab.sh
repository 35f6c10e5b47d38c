# SPDX-License-Identifier: MIT
# A small ISP in network namespaces for HB46PP client tests: source this.
#
#   v6t-cl-cpe                         v6t-cl-isp
#   wan0 2001:db8:1::100/64 ---------- i0 2001:db8:1::1/64
#        192.0.2.100/24                   192.0.2.1/24
#   wan1 2001:db8:2::100/64 ---------- i1 2001:db8:2::1/64
#   default via wan0 (metric 100),     lo: resolvers, servers
#   via wan1 (metric 200)                2001:db8:53::53  dnsmasq :53
#                                        2001:db8:80::1-4 HTTP(S) servers
#                                        198.51.100.80    an IPv4-only one
#
# lab_up DIR          namespaces, links, addresses, a test CA and a rogue
#                     CA with server certificates (openssl, at test time)
# lab_dnsmasq NAME ADDR PORT CONF   dnsmasq in the ISP namespace
# lab_fakedns NAME ADDR MODE        dnsfake.py: servfail|refused|silent|garbage
# lab_server NAME ADDR PORT MODE    provserver.py; MODE tls|rogue|plain|silent
# lab_down            kill what we started, delete the namespaces
# cpe CMD...          run in the CPE namespace
# lab_bail            after a failed setup: one "not ok", the servers' output
# lab_answer STATUS BODY   /config answers that from now on
# lab_logq EXPR       a python expression over r, the logged requests
# lab_agent_stop [TENTHS]  SIGTERM the agent $PID, wait (TENTHS/10 s, 10 s
#                     if not given), then SIGKILL; its exit status in RC
# Every wait is bounded; nothing outside the namespaces and DIR is touched.

LAB_CPE=${LAB_CPE:-v6t-cl-cpe}
LAB_ISP=${LAB_ISP:-v6t-cl-isp}
LAB_DIR=
LAB_SERVERS=${LAB_SERVERS:-$(cd "$(dirname "$0")/../servers" 2>/dev/null && pwd)}
LAB_NAMES="prov.v6t.test other.v6t.test rogue.v6t.test dual.v6t.test"

cpe() { ip netns exec "$LAB_CPE" "$@"; }
isp() { ip netns exec "$LAB_ISP" "$@"; }

# lab_wait_file FILE TENTHS: until FILE is non-empty, at most TENTHS/10 s.
lab_wait_file() {
	_n=0
	while [ ! -s "$1" ]; do
		_n=$((_n + 1))
		[ "$_n" -gt "$2" ] && return 1
		sleep 0.1
	done
	return 0
}

lab_down() {
	if [ -n "$LAB_DIR" ] && [ -f "$LAB_DIR/pids" ]; then
		while read -r _pid; do
			kill "$_pid" 2>/dev/null
		done < "$LAB_DIR/pids"
		sleep 0.2
		while read -r _pid; do
			kill -9 "$_pid" 2>/dev/null
		done < "$LAB_DIR/pids"
		: > "$LAB_DIR/pids"
	fi
	ip netns del "$LAB_CPE" 2>/dev/null
	ip netns del "$LAB_ISP" 2>/dev/null
	return 0
}

lab_links() {
	ip netns add "$LAB_CPE" && ip netns add "$LAB_ISP" || return 1
	ip -n "$LAB_CPE" link add wan0 type veth peer name i0 netns "$LAB_ISP" &&
	ip -n "$LAB_CPE" link add wan1 type veth peer name i1 netns "$LAB_ISP" || return 1
	for _l in lo wan0 wan1; do ip -n "$LAB_CPE" link set "$_l" up; done
	for _l in lo i0 i1; do ip -n "$LAB_ISP" link set "$_l" up; done
	ip -n "$LAB_CPE" addr add 2001:db8:1::100/64 dev wan0 nodad &&
	ip -n "$LAB_CPE" addr add 192.0.2.100/24 dev wan0 &&
	ip -n "$LAB_CPE" addr add 2001:db8:2::100/64 dev wan1 nodad &&
	ip -n "$LAB_ISP" addr add 2001:db8:1::1/64 dev i0 nodad &&
	ip -n "$LAB_ISP" addr add 192.0.2.1/24 dev i0 &&
	ip -n "$LAB_ISP" addr add 2001:db8:2::1/64 dev i1 nodad || return 1
	for _a in 2001:db8:53::53 2001:db8:53::54 2001:db8:53::60 2001:db8:53::61 \
		  2001:db8:53::62 2001:db8:53::63 2001:db8:53::99 2001:db8:80::1 \
		  2001:db8:80::2 2001:db8:80::3 2001:db8:80::4; do
		ip -n "$LAB_ISP" addr add "$_a/128" dev lo nodad || return 1
	done
	ip -n "$LAB_ISP" addr add 198.51.100.80/32 dev lo &&
	ip -n "$LAB_CPE" -6 route add default via 2001:db8:1::1 dev wan0 metric 100 &&
	ip -n "$LAB_CPE" -6 route add default via 2001:db8:2::1 dev wan1 metric 200 &&
	ip -n "$LAB_CPE" -4 route add 198.51.100.0/24 via 192.0.2.1 dev wan0
}

# A CA and a server certificate for LAB_NAMES (SAN) signed by it.
lab_ca() {
	_d=$LAB_DIR/$1
	mkdir -p "$_d" || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$_d/ca.key" -out "$_d/ca.pem" -days 2 \
		-subj "/CN=v6t $1 CA" >/dev/null 2>&1 || return 1
	_san=$(for _n in $LAB_NAMES; do printf 'DNS:%s,' "$_n"; done)
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$_d/server.key" -out "$_d/server.csr" \
		-subj "/CN=prov.v6t.test" >/dev/null 2>&1 || return 1
	printf 'subjectAltName=%sIP:2001:db8:80::1\nextendedKeyUsage=serverAuth\n' \
		"$_san" > "$_d/ext.cnf"
	openssl x509 -req -in "$_d/server.csr" -CA "$_d/ca.pem" -CAkey "$_d/ca.key" \
		-CAcreateserial -out "$_d/server.pem" -days 2 \
		-extfile "$_d/ext.cnf" >/dev/null 2>&1
}

lab_up() {
	LAB_DIR=$1
	mkdir -p "$LAB_DIR" && : > "$LAB_DIR/pids" && : > "$LAB_DIR/requests.log" || return 1
	lab_down
	lab_links || { echo "# lab: links failed"; return 1; }
	lab_ca ca && lab_ca rogue || { echo "# lab: openssl failed"; return 1; }
	echo '{}' > "$LAB_DIR/script.json"
}

# lab_bg NAME CMD...: start CMD in the ISP namespace, remember its pid.
lab_bg() {
	_name=$1; shift
	ip netns exec "$LAB_ISP" "$@" > "$LAB_DIR/$_name.out" 2>&1 &
	echo $! >> "$LAB_DIR/pids"
}

lab_dnsmasq() {
	_ready=$LAB_DIR/$1.pid
	rm -f "$_ready"
	lab_bg "$1" dnsmasq --keep-in-foreground --conf-file="$4" --no-resolv \
		--no-hosts --bind-interfaces --listen-address="$2" --port="$3" \
		--user=root --group=root --pid-file="$_ready" --log-queries=extra \
		--log-facility="$LAB_DIR/$1.log" || return 1
	lab_wait_file "$_ready" 50
}

lab_server() {
	_name=$1 _addr=$2 _port=$3 _mode=$4
	_ready=$LAB_DIR/$_name.ready
	rm -f "$_ready"
	set -- /usr/bin/python3 "$LAB_SERVERS/provserver.py" --listen "$_addr" \
		--port "$_port" --script "$LAB_DIR/script.json" \
		--log "$LAB_DIR/requests.log" --ready "$_ready"
	case $_mode in
	tls) set -- "$@" --cert "$LAB_DIR/ca/server.pem" --key "$LAB_DIR/ca/server.key" ;;
	rogue) set -- "$@" --cert "$LAB_DIR/rogue/server.pem" --key "$LAB_DIR/rogue/server.key" ;;
	silent) set -- "$@" --silent ;;
	plain) ;;
	esac
	lab_bg "$_name" "$@" || return 1
	lab_wait_file "$_ready" 100
}

lab_fakedns() {
	_ready=$LAB_DIR/$1.ready
	rm -f "$_ready"
	lab_bg "$1" /usr/bin/python3 "$LAB_SERVERS/dnsfake.py" --listen "$2" \
		--mode "$3" --ready "$_ready" --log "$LAB_DIR/fakedns.log" || return 1
	lab_wait_file "$_ready" 100
}

lab_bail() {
	echo "not ok 1 - lab setup"
	for _f in "$LAB_DIR"/*.out; do sed 's/^/# /' "$_f"; done
	echo "1..1"
	exit 1
}

lab_answer() {
	/usr/bin/python3 -c 'import json,sys
print(json.dumps({"routes": {"/config": {"status": int(sys.argv[1]), "body": sys.argv[2]}}}))' \
		"$1" "$2" > "$LAB_DIR/script.json.tmp" && mv "$LAB_DIR/script.json.tmp" "$LAB_DIR/script.json"
}

lab_logq() {
	/usr/bin/python3 -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
v=eval(sys.argv[2])
print(json.dumps(v) if isinstance(v,(list,dict,bool)) or v is None else v)' "$LAB_DIR/requests.log" "$1"
}

lab_agent_stop() {
	[ -n "$PID" ] || return 0
	kill -TERM "$PID" 2>/dev/null
	_n=0
	while kill -0 "$PID" 2>/dev/null && [ $_n -lt "${1:-100}" ]; do sleep 0.1; _n=$((_n + 1)); done
	kill -9 "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	RC=$?
	PID=
}
