#!/bin/sh
# `make install DESTDIR= PREFIX=` and `make uninstall`: the file list, modes,
# a user's configuration never overwritten nor removed, man pages that
# render without a warning and document every key and flag, and the bash
# completion (issue: run it as integrators run services).
. "$(dirname "$0")/../lib/tap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
A=$top/build/v6mig-agent

tmp=$(mktemp -d /tmp/v6t-pkg-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

files() { (cd "$1" && find . \( -type f -o -type l \) | sed 's/^\.//' | sort); }

# ---- PREFIX=/usr: the distribution's places ------------------------------
D=$tmp/d
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
unitdir=${unitdir:-/lib/systemd/system}
compdir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
compdir=${compdir:-/usr/share/bash-completion/completions}
ok "make install DESTDIR PREFIX=/usr" make -s -C "$top" install DESTDIR="$D" PREFIX=/usr
want=$(printf '%s\n' /usr/sbin/v6mig-agent "$unitdir/v6mig-agent.service" \
	"$unitdir/v6mig-agent@.service" /usr/share/man/man8/v6mig-agent.8 \
	/usr/share/man/man5/v6mig.conf.5 "$compdir/v6mig-agent" \
	/usr/share/doc/v6mig/v6mig.conf.example /etc/v6mig/v6mig.conf \
	/usr/share/doc/v6mig/hooks/pref64-radvd /usr/share/doc/v6mig/hooks/pref64-networkd \
	/usr/share/doc/v6mig/hooks/firewall-reload | sort)
is "$(files "$D")" "$want" "PREFIX=/usr installs exactly these files"
is "$(stat -c %a "$D/usr/share/doc/v6mig/hooks/pref64-radvd")" 755 "example hooks 0755"
is "$(stat -c %a "$D/usr/sbin/v6mig-agent")" 755 "binary 0755"
is "$(stat -c %a "$D/etc/v6mig/v6mig.conf")" 600 "configuration 0600 (it may hold pass)"
is "$(stat -c %a "$D$unitdir/v6mig-agent@.service")" 644 "units 0644"
ok "installed binary runs" "$D/usr/sbin/v6mig-agent" --version
ok "unit runs /usr/sbin/v6mig-agent" grep -q '^ExecStart=/usr/sbin/v6mig-agent run ' "$D$unitdir/v6mig-agent.service"
ok "configuration is the example" cmp "$top/configs/v6mig.conf.example" "$D/etc/v6mig/v6mig.conf"

# A user's configuration survives install and uninstall.
echo "wan = eth9" >> "$D/etc/v6mig/v6mig.conf"
out=$(make -s -C "$top" install DESTDIR="$D" PREFIX=/usr 2>&1)
like "$out" "kept $D/etc/v6mig/v6mig.conf" "second install says it kept the configuration"
ok "second install did not overwrite it" grep -qx 'wan = eth9' "$D/etc/v6mig/v6mig.conf"
ok "make uninstall" make -s -C "$top" uninstall DESTDIR="$D" PREFIX=/usr
is "$(files "$D")" /etc/v6mig/v6mig.conf "uninstall removes all but the user's configuration"
ok "uninstall left it as the user made it" grep -qx 'wan = eth9' "$D/etc/v6mig/v6mig.conf"

# ---- default PREFIX=/usr/local ---------------------------------------------
L=$tmp/l
ok "make install DESTDIR (PREFIX=/usr/local)" make -s -C "$top" install DESTDIR="$L"
want=$(printf '%s\n' /usr/local/sbin/v6mig-agent \
	/usr/local/lib/systemd/system/v6mig-agent.service \
	/usr/local/lib/systemd/system/v6mig-agent@.service \
	/usr/local/share/man/man8/v6mig-agent.8 /usr/local/share/man/man5/v6mig.conf.5 \
	/usr/local/share/bash-completion/completions/v6mig-agent \
	/usr/local/share/doc/v6mig/v6mig.conf.example /etc/v6mig/v6mig.conf \
	/usr/local/share/doc/v6mig/hooks/pref64-radvd /usr/local/share/doc/v6mig/hooks/pref64-networkd \
	/usr/local/share/doc/v6mig/hooks/firewall-reload | sort)
is "$(files "$L")" "$want" "PREFIX=/usr/local installs exactly these files"
ok "unit runs /usr/local/sbin/v6mig-agent" \
	grep -q '^ExecStart=/usr/local/sbin/v6mig-agent run ' "$L/usr/local/lib/systemd/system/v6mig-agent@.service"
ok "make uninstall (PREFIX=/usr/local)" make -s -C "$top" uninstall DESTDIR="$L"
is "$(files "$L")" /etc/v6mig/v6mig.conf "uninstall leaves only the configuration"

# ---- man pages: render clean, document every key and every flag ----------
ok "reinstall for the checks below" make -s -C "$top" install DESTDIR="$D" PREFIX=/usr
for m in man8/v6mig-agent.8 man5/v6mig.conf.5; do
	p=$D/usr/share/man/$m
	out=$(MANWIDTH=80 man --warnings -l -Tutf8 "$p" 2>&1 >/dev/null); rc=$?
	is "$rc:$out" "0:" "man -l $m renders without warnings (groff -ww)"
	out=$(mandoc -Tlint -W warning "$p" 2>&1); rc=$?
	is "$rc:$out" "0:" "mandoc -Tlint $m is clean"
	like "$(MANWIDTH=80 man -l "$p" 2>/dev/null | wc -l)" '^[0-9]{3,}$' "$m renders to 100+ lines"
done
m8=$top/docs/v6mig-agent.8
m5=$top/docs/v6mig.conf.5
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS SIGNALS "ERROR CLASSES" \
	"EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
	ok "v6mig-agent(8) has $s" grep -qxE "\.SH \"?$s\"?" "$m8"
done
for c in not_provisioned dns_failure no_answer bad_answer; do
	ok "v6mig-agent(8) explains $c" grep -qx "\.B $c" "$m8"
done

# Every key the parser knows (agent/conf.c) is in the example, commented out,
# and in v6mig.conf(5); nothing else is.
keys=$(grep -o 'strcmp(key, "[a-z_]*")' "$top/agent/conf.c" | sed 's/.*"\(.*\)".*/\1/' | sort)
ok "agent/conf.c knows 20 keys or more" [ "$(echo "$keys" | wc -l)" -ge 20 ]
is "$(sed -n 's/^#\([a-z_]*\) =.*/\1/p' "$top/configs/v6mig.conf.example" | sort)" "$keys" \
	"the example lists exactly those keys, commented out"
is "$(sed -n '/^\.SH KEYS/,/^\.SH FILES/{/^\.TP/{n;s/^\.B[IR]\{0,1\} \([a-z_]*\).*/\1/p}}' "$m5" | sort -u)" \
	"$(echo "$keys" | grep -v '^pass$')" "v6mig.conf(5) documents exactly those keys (pass beside user)"
ok "v6mig.conf(5) documents pass" grep -q '^\.BI user " name\\fR, \\fPpass " secret' "$m5"

# ---- bash completion -------------------------------------------------------
C=$D$compdir/v6mig-agent
# comp WORD... : what the completion offers for the last word.
comp() {
	bash --norc --noprofile -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_v6mig_agent; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$C" "$@" |
		sed 's/ $//'
}
is "$(bash --norc --noprofile -c '. "$1"; complete -p v6mig-agent' _ "$C")" \
	"complete -F _v6mig_agent v6mig-agent" "complete -p v6mig-agent"
is "$(comp v6mig-agent c)" "cache calc" "v6mig-agent c<TAB> -> calc cache"
is "$(comp v6mig-agent "")" "--help --version apply cache calc down plan probe run status" "every subcommand"
is "$(comp v6mig-agent cache "")" "clear show" "cache <TAB> -> show clear"
is "$(comp v6mig-agent run --wan "")" "$(ls /sys/class/net | sort | tr '\n' ' ' | sed 's/ $//')" \
	"--wan completes interface names"
is "$(comp v6mig-agent apply --lan lo --l)" "--lan" "--lan repeats"
is "$(comp v6mig-agent status --json --)" "--help --run-dir" "a flag given is not offered again"
is "$(comp v6mig-agent run --log-level "")" "debug err info notice warning" "--log-level values"
is "$(comp /nonexistent/v6mig-agent run --method "")" "auto dslite ipip lw4o6 map_e" \
	"--method without a binary: every method"
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "v6mig-agent 0.1.0 (HB46PP 1; vendorid x, product y, version 0; capability dslite,map_e,hubspoke)"\n' > "$tmp/bin/v6mig-agent"
chmod +x "$tmp/bin/v6mig-agent"
is "$(comp "$tmp/bin/v6mig-agent" plan --method "")" "auto dslite map_e" \
	"--method: the methods this build has (its --version)"
cap=$("$A" --version | sed 's/.*capability \(.*\))$/\1/' | tr ',' '\n' |
	grep -xE '464xlat|dslite|ipip|lw4o6|map_e|map_t' | sort | tr '\n' ' ')
is "$(comp "$A" run --method "")" "$(echo "auto $cap" | tr ' ' '\n' | grep . | sort | tr '\n' ' ' | sed 's/ $//')" \
	"--method with build/v6mig-agent"

# The flags completion offers per subcommand are the man page's synopsis.
syn() {
	awk -v c="$1" '/^\.SY/ {s = 1; n = 0; next} /^\.YS/ {s = 0} s && n == 0 {n = 1; on = ($0 == ".B " c); next} s && on' "$m8" |
		grep -o '\\-\\-[a-z0-9\\-]*' | sed 's/\\//g' | sort -u | tr '\n' ' ' | sed 's/ $//'
}
for c in run probe plan apply down status; do
	is "$(comp v6mig-agent "$c" -- | sed 's/--help *//; s/ $//')" "$(syn "$c")" "completion of $c = its synopsis"
done
is "$(comp v6mig-agent cache show -- | sed 's/--help *//; s/ $//')" "$(syn cache)" "completion of cache = its synopsis"

done_testing
