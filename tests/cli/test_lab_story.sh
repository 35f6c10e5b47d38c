#!/bin/sh
# `make lab`'s pieces that need no namespaces: the offer it serves (all six
# methods, `order` led by LAB_METHOD: HB46PP S8) and the refusals that come
# before anything is touched. The story itself runs in the VM (make lab),
# map_t and 464xlat on this kernel.
. "$(dirname "$0")/../lib/tap.sh"
L=scripts/lab
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ALL='["map_e","dslite","lw4o6","ipip","map_t","464xlat"]'
for m in map_e dslite lw4o6 ipip map_t 464xlat; do
	/usr/bin/python3 $L/story.py offer "$m" "$tmp/$m.json"
	is "$?" 0 "offer led by $m written"
	is "$(jget 'j["order"]' < "$tmp/$m.json")" \
		"$(/usr/bin/python3 -c 'import json,sys; m=sys.argv[1]; print(json.dumps([m]+[x for x in json.loads(sys.argv[2]) if x != m]))' "$m" "$ALL")" \
		"$m: order starts with $m, then the other five (S8)"
done
j=$tmp/map_e.json
is "$(jget 'sorted(k for k in ("map_e","dslite","lw4o6","ipip","map_t","464xlat") if k in j)' < "$j")" \
	'["464xlat", "dslite", "ipip", "lw4o6", "map_e", "map_t"]' "every method's section is in the answer"
for pair in map_e:map_e-v1 dslite:dslite lw4o6:lw4o6 ipip:ipip map_t:map_t 464xlat:464xlat; do
	k=${pair%%:*} f=${pair#*:}
	is "$(jget "j['$k']" < "$j")" "$(jget "j['$k']" < "$L/offers/$f.json")" \
		"the $k section is offers/$f.json's (CE 1's)"
done
is "$(jget 'j["map_e"]["version"]' < "$j")" 1 "MAP-E with the RFC 7597 interface ID (S9 version 1)"

out=$(/usr/bin/python3 $L/story.py offer bogus "$tmp/x.json" 2>&1)
is "$?" 1 "an unknown method is refused"
like "$out" "map_e.dslite.lw4o6.ipip.map_t.464xlat" "... naming the choices"
ok "... and nothing is written" test ! -e "$tmp/x.json"

out=$($L/lab.sh --method bogus 2>&1)
is "$?" 1 "lab.sh --method bogus: refused"
like "$out" "LAB_METHOD must be map_e, dslite, lw4o6, ipip, map_t or 464xlat \(not 'bogus'\)" "... with the choices"
out=$(LAB_METHOD=map_x $L/lab.sh 2>&1)
is "$?" 1 "LAB_METHOD=map_x: refused before anything is made"
out=$($L/lab.sh --frobnicate 2>&1)
is "$?" 2 "an unknown option: usage, exit 2"
like "$out" "LAB_KEEP" "... the usage names LAB_KEEP"
like "$(make -n lab 2>/dev/null)" "scripts/lab/lab.sh" "make lab runs scripts/lab/lab.sh"
done_testing
