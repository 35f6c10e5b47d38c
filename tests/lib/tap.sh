# TAP helpers for shell tests: source this file.
#   ok COND_CMD... -- name      (test passes when the command succeeds)
#   is GOT WANT NAME            (string equality)
#   like GOT PATTERN NAME       (grep -E)
#   same FILE1 FILE2 NAME       (identical files; the first lines of the diff on failure)
_tap_n=0
_tap_fail=0
ok() {
	_tap_n=$((_tap_n + 1))
	name=$1; shift
	if "$@" >/dev/null 2>&1; then
		echo "ok $_tap_n - $name"
	else
		echo "not ok $_tap_n - $name"
		_tap_fail=$((_tap_fail + 1))
	fi
}
is() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $_tap_n - $3"
	else
		echo "not ok $_tap_n - $3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
		_tap_fail=$((_tap_fail + 1))
	fi
}
like() {
	_tap_n=$((_tap_n + 1))
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		echo "ok $_tap_n - $3"
	else
		echo "not ok $_tap_n - $3"
		echo "#   got:  '$1'"
		echo "#   want: /$2/"
		_tap_fail=$((_tap_fail + 1))
	fi
}
same() {
	_tap_n=$((_tap_n + 1))
	if cmp -s "$1" "$2"; then
		echo "ok $_tap_n - $3"
	else
		echo "not ok $_tap_n - $3"
		diff "$1" "$2" | head -30 | sed 's/^/# /'
		_tap_fail=$((_tap_fail + 1))
	fi
}
done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_fail" -eq 0 ]
}

# jq-like: jget 'python expression on j' < json   e.g. jget 'j["psid"]'
jget() {
	/usr/bin/python3 -c 'import json,sys
j=json.load(sys.stdin)
v=eval(sys.argv[1])
print(json.dumps(v) if isinstance(v,(list,dict,bool)) or v is None else v)' "$1"
}
