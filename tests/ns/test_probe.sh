#!/bin/sh
# SPDX-License-Identifier: MIT
# `v6mig-agent probe` against real servers over a real network path
# (issue 3): dnsmasq for TXT/AAAA, a scriptable HTTP(S) provisioning
# server with a test CA made now, failing resolvers, all in namespaces.
# Tests are named by the HB46PP clause they cover (D1-D5, T1-T3, R1-R8,
# S1, Q2-Q7). Usage: tests/ns/test_probe.sh [AGENT]   (root)
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/ns.sh"
ns_lab_start cl "$1"

TOKEN=640756965820d3b9025b6941f9590af6802830ba58663fe8f043dc92b576f17a
BODY='{"ttl":3600,"order":["dslite"],"dslite":{"aftr":"2001:db8:ff::1"}}'

# ---- the lab ---------------------------------------------------------------
setup() {
	lab_up "$D" || return 1
	cat > "$D/dns.conf" <<-EOF
	local=/v6t.test/
	host-record=prov.v6t.test,2001:db8:80::1
	host-record=other.v6t.test,2001:db8:80::1
	host-record=dual.v6t.test,198.51.100.80,2001:db8:80::1
	host-record=rogue.v6t.test,2001:db8:80::2
	host-record=silent.v6t.test,2001:db8:80::3
	host-record=v4only.v6t.test,198.51.100.80
	txt-record=ok.v6t.test,"v=v6mig-1 url=https://prov.v6t.test/config t=b"
	txt-record=order.v6t.test,"  t=b   url=https://prov.v6t.test/config  v=v6mig-1 "
	txt-record=split.v6t.test,"v=v6mig-1 url=https://prov.v6","t.test/co","nfig t=b"
	txt-record=unknown.v6t.test,"v=v6mig-1 vendor=x url=https://prov.v6t.test/config t=b"
	txt-record=query.v6t.test,"v=v6mig-1 url=https://prov.v6t.test/config?site=7&vendorid=evil t=b"
	txt-record=two.v6t.test,"v=v6mig-1 url=https://prov.v6t.test/config t=b"
	txt-record=two.v6t.test,"v=v6mig-1 url=https://other.v6t.test/config t=b"
	txt-record=v2.v6t.test,"v=v6mig-2 url=https://prov.v6t.test/config t=b"
	txt-record=not.v6t.test,"v=spf1 include=example.net"
	txt-record=missing.v6t.test,"v=v6mig-1 url=https://prov.v6t.test/config"
	txt-record=dup.v6t.test,"v=v6mig-1 url=https://prov.v6t.test/config t=b t=a"
	txt-record=httpb.v6t.test,"v=v6mig-1 url=http://prov.v6t.test/config t=b"
	txt-record=http.v6t.test,"v=v6mig-1 url=http://prov.v6t.test/config t=a"
	txt-record=ftp.v6t.test,"v=v6mig-1 url=ftp://prov.v6t.test/config t=a"
	txt-record=rogue.v6t.test,"v=v6mig-1 url=https://rogue.v6t.test/config t=b"
	txt-record=roguea.v6t.test,"v=v6mig-1 url=https://rogue.v6t.test/config t=a"
	txt-record=silent.v6t.test,"v=v6mig-1 url=https://silent.v6t.test/config t=b"
	txt-record=v4lit.v6t.test,"v=v6mig-1 url=http://198.51.100.80/config t=a"
	txt-record=v4only.v6t.test,"v=v6mig-1 url=http://v4only.v6t.test/config t=a"
	txt-record=dual.v6t.test,"v=v6mig-1 url=https://dual.v6t.test/config t=b"
	txt-record=v6lit.v6t.test,"v=v6mig-1 url=https://[2001:db8:80::1]/config t=b"
	txt-record=nohost.v6t.test,"v=v6mig-1 url=https://nohost.v6t.test/config t=b"
	EOF
	printf '%s\n' 'local=/v6t.test/' \
		'host-record=other.v6t.test,2001:db8:80::1' \
		'txt-record=ok.v6t.test,"v=v6mig-1 url=https://other.v6t.test/port5353 t=b"' \
		> "$D/dns2.conf"
	lab_dnsmasq dns "$RES" 53 "$D/dns.conf" &&
	lab_dnsmasq dns2 2001:db8:53::54 5353 "$D/dns2.conf" &&
	lab_fakedns servfail 2001:db8:53::60 servfail &&
	lab_fakedns refused 2001:db8:53::61 refused &&
	lab_fakedns silentdns 2001:db8:53::62 silent &&
	lab_fakedns garbage 2001:db8:53::63 garbage &&
	lab_server https 2001:db8:80::1 443 tls &&
	lab_server http 2001:db8:80::1 80 plain &&
	lab_server rogue 2001:db8:80::2 443 rogue &&
	lab_server silent 2001:db8:80::3 443 silent &&
	lab_server v4 198.51.100.80 80 plain
}
setup || lab_bail

# ---- helpers (and tests/lib/ns.sh's answer, clear_logs, probe, j, logq) ------
# script JSON: what the servers answer from now on.
script() {
	printf '%s\n' "$1" > "$D/script.json.tmp" && mv "$D/script.json.tmp" "$D/script.json"
}
nreq() { logq 'len([e for e in r if e["event"]=="request"])'; }
q() { logq "[e['query'] for e in r if e['event']=='request'][$1]"; }
cls() { j 'j.get("error",{}).get("class","ok")'; }

# R1-R4 as this build sends them: `--version` prints its values.
CAP=$("$A" --version | sed -n 's/.*; capability \(.*\))$/\1/p')
[ "$CAP" = "(none)" ] && CAP=
VQ=$("$A" --version | sed -n 's/.*vendorid \([^,]*\), product \([^,]*\), version \([^;]*\);.*/vendorid=\1\&product=\2\&version=\3/p')
QUERY="$VQ&capability=$CAP"

# ---- D: discovery --------------------------------------------------------------
answer 200 "$BODY"
probe ok
is "$RC" 0 "D1 S1: valid TXT + 200 JSON -> exit 0"
is "$(j 'j["txt"]')" "v=v6mig-1 url=https://prov.v6t.test/config t=b" "D2: txt as received"
is "$(j 'j["url"]')" "https://prov.v6t.test/config" "D2: url"
is "$(j 'j["verify"]')" true "D4: t=b -> verify true"
is "$(j 'j["http_status"]')" 200 "S1: http_status 200"
is "$(j 'j["provisioning"]["dslite"]["aftr"]')" "2001:db8:ff::1" "S11: provisioning object"
is "$(j 'j["next_check_min_s"], j["next_check_max_s"]')" "(3600, 3600)" "Q7: next check = ttl"
is "$(j '"error" in j')" false "no error key on success"
has_cap() { case ",$CAP," in *",$1,"*) return 0 ;; esac; return 1; }
want=null; has_cap dslite && want=dslite
is "$(j 'j["method"]')" "$want" "S8: method = first entry of order this build runs"
like "$(grep -a 'query\[TXT\] ok.v6t.test' "$D/dns.log")" "from 2001:db8:1::100" "D1: TXT asked of the given resolver"
like "$(grep -a 'query\[AAAA\] prov.v6t.test' "$D/dns.log")" "prov.v6t.test" "T2: server name asked as AAAA of the same resolver"
is "$(grep -ac 'query\[A\] ' "$D/dns.log")" 0 "T2: no A query, ever"
is "$(nreq)" 1 "exactly one request reached the server"
is "$(q 0)" "$QUERY" "R1-R4: query in the spec's order, capability from the build"
is "$(logq 'r[0]["source"]')" "2001:db8:1::100" "T2: request over IPv6 from the WAN address"
is "$(logq 'r[0]["sni"]')" "prov.v6t.test" "T1: SNI sent"
is "$(logq '"%2C" in r[0]["query"] or "%2c" in r[0]["query"]')" false "R4: commas literal"

probe order
is "$RC:$(j 'j["url"]')" "0:https://prov.v6t.test/config" "D2: fields in any order, extra spaces"
probe split
is "$RC:$(j 'j["txt"]')" "0:v=v6mig-1 url=https://prov.v6t.test/config t=b" "D2: character-strings joined with nothing between"
probe unknown
is "$RC" 0 "D2: unknown field ignored"
answer 200 "$BODY"
probe query
is "$RC" 0 "D2: url may contain '='"
is "$(q 0)" "site=7&$QUERY" "R8: URL's own query kept, ours after '&', its vendorid replaced"

for c in two:"2 TXT records" v2:"not v6mig-1" not:"field 'url' missing" \
	 missing:"field 't' missing" dup:"'t' appears twice" \
	 httpb:"http URL with t=b" ftp:"scheme"; do
	name=${c%%:*} why=${c#*:}
	answer 200 "$BODY"
	probe "$name"
	case $name in two) id=D5 ;; v2|not) id=D3 ;; httpb|ftp) id=D4 ;; *) id=D5 ;; esac
	is "$RC:$(cls)" "3:not_provisioned" "$id: TXT '$name' -> not_provisioned, exit 3"
	like "$(j 'j["error"]["message"]')" "$why" "$id: '$name' message says: $why"
	is "$(nreq)" 0 "$id: '$name': nothing sent to any server"
done
is "$(j 'j["next_check_min_s"], j["next_check_max_s"]')" "(3600, 10800)" "Q2: not_provisioned waits 1-3 h"

probe nx
is "$RC:$(cls)" "3:not_provisioned" "Q2: NXDOMAIN -> not_provisioned, exit 3"
probe prov
is "$RC:$(cls)" "3:not_provisioned" "Q2: NODATA -> not_provisioned, exit 3"

# ---- Q3: resolver failures -----------------------------------------------------
for c in 2001:db8:53::60:SERVFAIL 2001:db8:53::61:REFUSED 2001:db8:53::63:garbage \
	 2001:db8:53::99:down; do
	addr=${c%:*} what=${c##*:}
	OUT=$(cpe timeout 60 "$A" probe --resolver "$addr" --domain ok.v6t.test --json)
	RC=$?
	is "$RC:$(cls)" "4:dns_failure" "Q3: resolver $what -> dns_failure, exit 4"
done
is "$(j 'j["next_check_min_s"], j["next_check_max_s"]')" "(60, 600)" "Q3: dns_failure waits 1-10 min"
clear_logs
start=$(date +%s)
OUT=$(cpe timeout 60 "$A" probe --resolver 2001:db8:53::62 --domain ok.v6t.test --json)
RC=$?
took=$(( $(date +%s) - start ))
is "$RC:$(cls)" "4:dns_failure" "Q3: silent resolver (timeout) -> dns_failure"
ok "Q3: DNS timeout bounded (${took}s <= 10s)" [ "$took" -le 10 ]
like "$(cat "$D/fakedns.log")" "silent 2001:db8:1::100 query" "Q3: the silent resolver was asked"

# D1: a resolver on another port; the system resolv.conf by default.
clear_logs
OUT=$(cpe timeout 60 "$A" probe --resolver "2001:db8:53::54#5353" --domain ok.v6t.test --ca-file "$D/ca/ca.pem" --json)
is "$(j 'j["url"]')" "https://other.v6t.test/port5353" "D1: --resolver ADDR#PORT is the one asked"
printf 'nameserver %s\noptions timeout:1\n' "$RES" > "$D/resolv.conf"
OUT=$(cpe unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && exec timeout 60 "$2" probe --domain ok.v6t.test --ca-file "$3" --json' sh "$D/resolv.conf" "$A" "$D/ca/ca.pem")
is "$?:$(j 'j["url"]')" "0:https://prov.v6t.test/config" "D1: default resolvers from resolv.conf"
OUT=$(cpe timeout 60 "$A" probe --resolver "$RES" --resolver 2001:db8:53::99 --domain ok.v6t.test --ca-file "$D/ca/ca.pem" --json)
is "$?" 0 "D1: repeated --resolver accepted"

# ---- T: transport ------------------------------------------------------------------
answer 200 "$BODY"
probe rogue
is "$RC:$(cls)" "5:no_answer" "T3: t=b, certificate from another CA -> no_answer, exit 5"
is "$(nreq)" 0 "T3: no request reached the server"
# The server logs a failed handshake after the client has gone: wait for
# it (bounded, 3 s).
n=0
while [ "$(logq 'len([e for e in r if e["event"]=="tls_error"])')" != 1 ] && [ $n -lt 30 ]; do
	n=$((n + 1)); sleep 0.1
done
is "$(logq 'len([e for e in r if e["event"]=="tls_error"])')" 1 "T3: the TLS handshake was tried and failed"
is "$(j 'j["next_check_min_s"], j["next_check_max_s"]')" "(600, 1800)" "Q4: no_answer waits 10-30 min"
OUT=$(cpe timeout 60 "$A" probe --resolver "$RES" --domain ok.v6t.test --timeout 5 --json)
is "$?:$(cls)" "5:no_answer" "T3: t=b without the operator's CA file -> no_answer"
answer 200 "$BODY"
probe roguea
is "$RC:$(j 'j["verify"]')" "0:false" "T3/D4: t=a does not verify (another CA accepted)"
is "$(nreq)" 1 "T3: t=a request reached the server"
probe http
is "$RC:$(logq 'r[0]["tls"]')" "0:false" "T3/D4: http with t=a"
probe v6lit
is "$RC:$(logq 'r[0]["sni"]')" "0:null" "T2: IPv6 literal URL verified by IP SAN, no SNI (RFC 6066 3)"
answer 200 "$BODY"
probe v4lit
is "$RC:$(cls)" "5:no_answer" "T2: IPv4 literal URL -> no_answer"
probe v4only
is "$RC:$(cls)" "5:no_answer" "T2: server name without AAAA -> no_answer"
like "$(j 'j["error"]["message"]')" "v4only.v6t.test" "T2: message names the server"
is "$(nreq)" 0 "T2: nothing ever sent over IPv4"
probe dual
is "$RC:$(logq 'r[0]["source"]')" "0:2001:db8:1::100" "T2: dual-stack name reached over IPv6 only"
probe nohost
is "$RC:$(cls)" "5:no_answer" "T2: server name unknown (no AAAA) -> no_answer"
start=$(date +%s)
probe silent --timeout 2
took=$(( $(date +%s) - start ))
is "$RC:$(cls)" "5:no_answer" "Q4: silent server -> no_answer"
ok "Q4: --timeout 2 bounds the fetch (${took}s <= 4s)" [ "$took" -le 4 ]

# The WAN binding, and answers per source address (S1: 403 = unknown source).
script '{"routes":{"/config":{"status":200,"body":"'"$(printf '%s' "$BODY" | sed 's/"/\\"/g')"'","when":[{"source":"2001:db8:2::100","status":403,"body":""}]}}}'
probe ok --wan wan1
is "$RC:$(cls):$(j 'j["http_status"]')" "6:bad_answer:403" "S1: 403 for an unknown source -> bad_answer, exit 6"
is "$(logq 'r[0]["source"]')" "2001:db8:2::100" "--wan wan1: sockets bound to wan1"
like "$(grep -a 'query\[TXT\]' "$D/dns.log")" "from 2001:db8:2::100" "--wan wan1: DNS bound to wan1 too"
is "$(j 'j["next_check_min_s"], j["next_check_max_s"]')" "(600, 1800)" "Q5: bad_answer waits 10-30 min"
probe ok --wan wan0
is "$RC:$(logq 'r[0]["source"]')" "0:2001:db8:1::100" "S1: the same server answers the known source"

# ---- S1: statuses and redirects ----------------------------------------------------
for s in 403 404 500 503 301 302 308 201; do
	script '{"routes":{"/config":{"status":'$s',"location":"/other","body":"{\"order\":[]}"},"/other":{"status":200,"body":"{\"order\":[]}"}}}'
	probe ok
	is "$RC:$(cls):$(j 'j["http_status"]'):$(nreq)" "6:bad_answer:$s:1" "S1: HTTP $s -> bad_answer, exit 6, nothing followed"
done

chain() { # chain N LOCATION-STYLE: /config -> /r1 -> ... -> /rN -> 200
	/usr/bin/python3 -c 'import json,sys
n=int(sys.argv[1]); style=sys.argv[2]; body=sys.argv[3]
routes={}
for i in range(n):
    src="/config" if i==0 else "/r%d"%i
    dst="/r%d"%(i+1)
    loc={"abs":"https://prov.v6t.test"+dst,"rel":dst,"relpath":dst[1:]}[style]
    routes[src]={"status":307,"location":loc}
routes["/r%d"%n if n else "/config"]={"status":200,"body":body}
print(json.dumps({"routes":routes}))' "$1" "$2" "$BODY"
}
script "$(chain 5 abs)"
probe ok
is "$RC:$(j 'j["redirects"]')" "0:5" "S1: five 307s followed"
is "$(nreq)" 6 "S1: six requests for five redirects"
is "$(logq 'all(e["query"].endswith("'"$QUERY"'") for e in r)')" true "R1-R4: our parameters on every hop"
script "$(chain 6 abs)"
probe ok
is "$RC:$(cls)" "6:bad_answer" "S1: a sixth 307 -> bad_answer"
is "$(nreq)" 6 "S1: the sixth Location is not requested"
script "$(chain 2 rel)"
probe ok
is "$RC:$(logq '[e["path"] for e in r]')" '0:["/config", "/r1", "/r2"]' "S1: 307 with an absolute-path Location"
script "$(chain 2 relpath)"
probe ok
is "$RC:$(logq '[e["path"] for e in r]')" '0:["/config", "/r1", "/r2"]' "S1: 307 with a relative Location"
script '{"routes":{"/config":{"status":307,"location":"/config"}}}'
probe ok
is "$RC:$(cls):$(nreq)" "6:bad_answer:6" "S1: a redirect loop ends as bad_answer after 6 requests"
script '{"routes":{"/config":{"status":307}}}'
probe ok
is "$RC:$(cls)" "6:bad_answer" "S1: 307 without Location -> bad_answer"
script '{"routes":{"/config":{"status":307,"location":"http://prov.v6t.test/config"}}}'
probe ok
is "$RC:$(cls):$(nreq)" "6:bad_answer:1" "D4/S1: 307 https->http under t=b refused, not requested"
script '{"routes":{"/config":{"status":307,"location":"http://198.51.100.80/config"}}}'
probe roguea
is "$RC:$(cls):$(nreq)" "5:no_answer:1" "T2: 307 to an IPv4 literal -> no_answer, not requested"
script '{"routes":{"/config":{"status":307,"location":"https://dual.v6t.test/x"},"/x":{"status":200,"body":"{\"order\":[]}"}}}'
probe ok
is "$RC:$(logq '[e["host"] for e in r]')" '0:["prov.v6t.test", "dual.v6t.test"]' "S1: 307 to another host, resolved by AAAA"

# S8: an entry this build cannot run is passed over (map_t is not in the
# default configuration; the expectation follows the build).
answer 200 '{"order":["map_t","dslite"],"map_t":{"dmr":"64:ff9b::/64","rules":[{"ipv6":"2001:db8:1::/48","ipv4":"192.0.2.0/24","ea_length":8,"psid_offset":6}]},"dslite":{"aftr":"2001:db8:ff::1"}}'
probe ok
want=null; has_cap dslite && want=dslite; has_cap map_t && want=map_t
is "$RC:$(j 'j["method"]')" "0:$want" "S8: the first entry of order this build can run"

# ---- S1: bodies --------------------------------------------------------------------------
answer 200 '{"order": ['
probe ok
is "$RC:$(cls)" "6:bad_answer" "S1: malformed JSON -> bad_answer, exit 6"
answer 200 '{"order":[]}'
probe ok
is "$RC:$(cls):$(j 'j["method"]')" "0:ok:null" "S2: order [] -> exit 0, method null"
is "$(j 'j["provisioning"]["order"]')" "[]" "S2: order [] reported"
script '{"routes":{"/config":{"status":200,"body":"{\"order\":[]}","headers":{"Content-Type":"text/html"}}}}'
probe ok
is "$RC" 0 "S1: Content-Type not required"
script '{"routes":{"/config":{"status":200,"body":"{\"order\":[]}","pad_to":1048576}}}'
probe ok
is "$RC" 0 "S1: a body of exactly 1 MiB accepted"
script '{"routes":{"/config":{"status":200,"body":"{\"order\":[]}","pad_to":1048577}}}'
probe ok
is "$RC:$(cls)" "6:bad_answer" "S1: 1 MiB + 1 byte -> bad_answer"
script '{"routes":{"/config":{"status":200,"body_size":2097152}}}'
probe ok
is "$RC:$(cls)" "6:bad_answer" "S1: 2 MiB body (Content-Length) -> bad_answer"
script '{"routes":{"/config":{"status":200,"body_size":2097152,"no_length":true}}}'
probe ok
is "$RC:$(cls)" "6:bad_answer" "S1: 2 MiB body without a length -> bad_answer, reading stopped"

# ---- R5-R7: token and credentials ----------------------------------------------------------
script '{"routes":{"/config":{"status":200,"body":"{\"order\":[]}","when":[{"query":{"token":"'"$TOKEN"'"},"body":"{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"2001:db8:ff::2\"}}"}]}}}'
probe ok --token "$TOKEN"
is "$(q 0)" "$QUERY&token=$TOKEN" "R5: token sent after capability"
is "$(j 'j["provisioning"]["dslite"]["aftr"]')" "2001:db8:ff::2" "R5: the server knew us by the token"
like "$(j 'j["request_url"]')" "token=64075696\.\.\.(&|$)" "R5: token never shown in full"
probe ok --token ABC
is "$RC:$(nreq)" "2:0" "R5: a bad token is a usage error, nothing sent"

answer 200 '{"order":[]}'
probe ok --user u1
is "$RC:$(nreq)" "2:0" "R6: user without pass -> exit 2, nothing sent"
probe ok --pass p1
is "$RC" 2 "R6: pass without user -> exit 2"
probe ok --user "bad user" --pass p1
is "$RC" 2 "R6: user outside [0-9A-Za-z_-] -> exit 2"
probe ok --user u1 --pass s3cr3t
is "$(q 0)" "$QUERY&user=u1&pass=s3cr3t" "R6/R7: user/pass sent last, without a server name"
is "$(printf '%s' "$OUT" | grep -c s3cr3t)" 0 "R7: pass never printed"
probe http --user u1 --pass s3cr3t
is "$(q 0)" "$QUERY" "R7: without a server name, to any https server but never over http"
probe ok --user u1 --pass s3cr3t --server-name PROV.v6t.test
is "$(q 0)" "$QUERY&user=u1&pass=s3cr3t" "R7: https, t=b, host = server name (any case) -> sent"
probe ok --user u1 --pass s3cr3t --server-name other.v6t.test
is "$(q 0)" "$QUERY" "R7: host != server name -> not sent"
probe roguea --user u1 --pass s3cr3t --server-name rogue.v6t.test
is "$(q 0)" "$QUERY" "R7: t=a -> not sent"
probe http --user u1 --pass s3cr3t --server-name prov.v6t.test
is "$(q 0)" "$QUERY" "R7: http -> not sent"
is "$(logq 'any("s3cr3t" in e["query"] for e in r)')" false "R7: the pass reached no server"
probe ok --server-name prov.v6t.test
is "$RC" 2 "R7: --server-name without user/pass -> exit 2"
script '{"routes":{"/config":{"status":307,"location":"https://other.v6t.test/two"},"/two":{"status":307,"location":"https://prov.v6t.test/three"},"/three":{"status":200,"body":"{\"order\":[]}"}}}'
probe ok --user u1 --pass s3cr3t --server-name prov.v6t.test
is "$RC:$(logq '[("user=u1" in e["query"], "pass=s3cr3t" in e["query"]) for e in r]')" \
	'0:[[true, true], [false, false], [true, true]]' "R7: re-decided at every hop (prov, other, prov)"
script '{"routes":{"/config":{"status":307,"location":"https://other.v6t.test/two?user=u1&pass=s3cr3t"},"/two":{"status":200,"body":"{\"order\":[]}"}}}'
probe ok --user u1 --pass s3cr3t --server-name prov.v6t.test
is "$(q 1)" "$QUERY" "R7: a Location echoing user/pass does not carry them to another host"

script '{"routes":{"/config":{"status":307,"location":"ftp://other.v6t.test/?user=u1&pass=s3cr3t"}}}'
probe ok --user u1 --pass s3cr3t
is "$RC:$(cls)" "6:bad_answer" "S1: 307 to a non-http(s) Location -> bad_answer"
is "$(printf '%s' "$OUT" | grep -c s3cr3t)" 0 "R7: an echoed pass is redacted in messages too"

# ---- the contract -----------------------------------------------------------------------------
answer 200 "$BODY"
probe ok
is "$(j 'sorted(k for k in j if k in ("txt","url","verify","http_status","provisioning","method","next_check_min_s","next_check_max_s"))')" \
	'["http_status", "method", "next_check_max_s", "next_check_min_s", "provisioning", "txt", "url", "verify"]' "probe --json: every contract key"
TXT=$(cpe timeout 60 "$A" probe --resolver "$RES" --domain ok.v6t.test --ca-file "$D/ca/ca.pem")
like "$TXT" "result +ok" "probe without --json: a readable report"
OUT=$("$A" probe --bogus 2>&1)
is "$?" 2 "probe: unknown option -> exit 2"
OUT=$("$A" probe --resolver 2001:db8::53#99999 2>&1)
is "$?" 2 "probe: bad resolver -> exit 2"

done_testing
