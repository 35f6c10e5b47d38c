#!/bin/bash
# prov.sh -- the provisioning server in namespace prov.
#   start [OFFER]    make the test PKI and serve OFFER (default: $LAB_OFFER or
#                    offers/map_e-v1.json) on https://prov.example.net/config
#   stop
#   serve FILE [--src PFX]    answer FILE's JSON (with --src: a rule for the
#                             sources in PFX, added or replaced; first match wins)
#   status CODE [--src PFX]   answer an HTTP status
#   silent [--src PFX]        accept and never answer
#   redirect URL [--src PFX]  answer 307 to URL
#   cert good|rogue|wrongname the certificate presented from now on
#   reset            the start offer for everyone, good certificate, no rules
#   log | clear-log  the request log (JSON lines)
#   ctl METHOD PATH [BODY]    the raw control API (prov.py has the list)
# PKI ($LAB_DIR/pki): ca.pem is the CA the CE must trust (HB46PP T3, t=b);
# good.pem is prov.example.net + prov2.example.net signed by it; rogue.pem
# the same names signed by another CA; wrongname.pem names other.example.net.
set -u
. "$(dirname "$0")/lib.sh"
PKI=$LAB_DIR/pki

pki() { # one openssl run per certificate (OpenSSL 3: req -x509 -CA signs)
	mkdir -p "$PKI" && cd "$PKI" || return 1
	local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30)
	ca() { # ca NAME SUBJECT
		openssl req -x509 "${ec[@]}" -keyout "$1.key" -out "$1.pem" -subj "/CN=$2" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
	}
	leaf() { # leaf NAME CA NAME,NAME...
		openssl req -x509 "${ec[@]}" -CA "$2.pem" -CAkey "$2.key" -keyout "$1.key" -out "$1.pem" \
			-subj "/CN=${3%%,*}" -addext "subjectAltName=$(echo "$3" | sed 's/[^,]*/DNS:&/g')" \
			-addext basicConstraints=critical,CA:FALSE -addext keyUsage=critical,digitalSignature \
			-addext extendedKeyUsage=serverAuth
	}
	{
		ca ca "v6lab test CA" && ca rogue-ca "v6lab rogue CA" &&
			leaf good ca prov.example.net,prov2.example.net &&
			leaf rogue rogue-ca prov.example.net,prov2.example.net &&
			leaf wrongname ca other.example.net
	} >"$PKI/openssl.log" 2>&1 || { cat "$PKI/openssl.log" >&2; return 1; }
}

ctl() { nsx prov "$PY" "$LAB_SCRIPTS/prov.py" ctl "$@"; }
behaviour() { # behaviour JSON [--src PFX]: the default, or one rule
	if [ "${1:-}" = --src ]; then die "--src goes after the argument"; fi
	local b=$1; shift
	if [ "${1:-}" = --src ] && [ -n "${2:-}" ]; then
		ctl POST /rule "$("$PY" -c 'import json,sys; b=json.loads(sys.argv[1]); b["src"]=sys.argv[2]; print(json.dumps(b))' "$b" "$2")"
	else
		ctl PUT /default "$b"
	fi
}

case ${1:-} in
start)
	offer=${2:-${LAB_OFFER:-$LAB_SCRIPTS/offers/map_e-v1.json}}
	[ -f "$offer" ] || die "no offer file $offer"
	pki || die "PKI failed"
	mkdir -p "$LAB_DIR/prov"
	rm -f "$LAB_DIR/prov/ready"
	spawn prov "$(ns prov)" "$PY" "$LAB_SCRIPTS/prov.py" serve --listen "$PROV6" --listen "$PROV6_B" \
		--port 443 --pki "$PKI" --offer "$offer" --log "$LAB_DIR/prov/requests.log" \
		--ready "$LAB_DIR/prov/ready"
	wait_until 20 test -e "$LAB_DIR/prov/ready" || die "prov did not start: $(tail -5 "$LAB_DIR/log/prov.log")"
	;;
stop) stop prov ;;
serve) [ -f "${2:-}" ] || die "serve FILE"; f=$2; shift 2
	behaviour "{\"body\": $(cat "$f")}" "$@" ;;
status) [ -n "${2:-}" ] || die "status CODE"; c=$2; shift 2; behaviour "{\"status\": $c}" "$@" ;;
silent) shift; behaviour '{"silent": true}' "$@" ;;
redirect) [ -n "${2:-}" ] || die "redirect URL"; u=$2; shift 2; behaviour "{\"redirect\": \"$u\"}" "$@" ;;
cert) ctl PUT /tls "{\"cert\": \"${2:-}\"}" ;;
reset) ctl POST /reset ;;
log) ctl GET /log ;;
clear-log) ctl DELETE /log ;;
ctl) shift; ctl "$@" ;;
*) sed -n '2,18p' "$0" >&2; exit 2 ;;
esac
