#!/bin/sh
# `v6mig-agent cache show|clear` (HB46PP 3.5: P1 stored data, P2 erase).
. "$(dirname "$0")/../lib/tap.sh"
A=${1:-build/v6mig-agent}
FIX=$(cd "$(dirname "$0")/../fuzz/corpus/prov" && pwd)
D=$(mktemp -d /tmp/v6mig-test-cache.XXXXXX)
trap 'rm -rf "$D"' EXIT INT TERM
S=$D/state
TOKEN=640756965820d3b9025b6941f9590af6802830ba58663fe8f043dc92b576f17a

# Nothing stored: not an error.
out=$($A cache show --state-dir "$S"); rc=$?
is "$rc" 0 "P1 show with nothing stored exits 0"
like "$out" "provisioning +none stored" "P1 show says none stored"
j=$($A cache show --state-dir "$S" --json)
is "$(echo "$j" | jget '(j["provisioning"], j["token_prefix"], j["errors"])')" "(None, None, [])" "P1 show --json: nulls"

# Stored data (as the agent writes it: the normalized JSON and the token).
mkdir -p "$S"
cp "$FIX/transix-dslite.json" "$S/provisioning.json"
printf '%s\n' "$TOKEN" > "$S/token"
j=$($A cache show --state-dir "$S" --json); rc=$?
is "$rc" 0 "P1 show stored data exits 0"
is "$(echo "$j" | jget 'j["provisioning"]["service_name"]')" "transix IPv4接続（DS-Lite）" "P1 show: UTF-8 service name"
is "$(echo "$j" | jget 'j["provisioning"]["dslite"]["aftr"]')" "2001:db8:ffff::1" "P1 show: the AFTR"
is "$(echo "$j" | jget 'list(j["provisioning"].keys())')" '["enabler_name", "service_name", "isp_name", "ttl", "order", "dslite"]' "P1 show: keys as in the spec"
is "$(echo "$j" | jget 'j["token_prefix"]')" "64075696" "P1 show: token by its first 8 digits"
like "$(echo "$j" | jget 'j["saved"]')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "P1 show: when it was saved"
t=$($A cache show --state-dir "$S")
like "$t" "service_name +transix IPv4接続（DS-Lite）" "P1 show text: service name"
like "$t" "token +64075696\.\.\. \(64 hex digits\)" "P1 show text: token shortened"
ok "P1 the full token is never printed" sh -c "! { $A cache show --state-dir '$S'; $A cache show --state-dir '$S' --json; } | grep -q $TOKEN"

# The spec's example, token inside the data only.
rm -f "$S/token"
cp "$FIX/spec-3.4-example.json" "$S/provisioning.json"
j=$($A cache show --state-dir "$S" --json)
is "$(echo "$j" | jget '"token" in j["provisioning"]')" false "P1 show: token kept out of the data"
is "$(echo "$j" | jget 'j["token_prefix"]')" "64075696" "P1 show: the data's token when no token file"
is "$(echo "$j" | jget 'j["provisioning"]["order"]')" '["464xlat", "map_e", "dslite"]' "P1 show: order"

# Damaged files: refused, reported, exit 1.
printf '{"order":["dslite"]' > "$S/provisioning.json"
out=$($A cache show --state-dir "$S" 2>&1); rc=$?
is "$rc" 1 "P1 damaged data: exit 1"
like "$out" "provisioning.json: damaged, refused: not JSON" "P1 damaged data named"
j=$($A cache show --state-dir "$S" --json 2>/dev/null)
is "$(echo "$j" | jget 'j["provisioning"]')" "null" "P1 damaged data not shown"
like "$(echo "$j" | jget 'j["errors"][0]')" "damaged, refused" "P1 damaged data in errors"
printf 'ABC\n' > "$S/token"
out=$($A cache show --state-dir "$S" 2>&1)
like "$out" "token: damaged, refused" "P1 damaged token named"

# P2: clear erases them (and what a crash left); others' files stay.
cp "$FIX/rakuten-dslite.json" "$S/provisioning.json"
printf '%s\n' "$TOKEN" > "$S/token"
echo x > "$S/.provisioning.json.Ab12Cd"
echo x > "$S/keep.me"
out=$($A cache clear --state-dir "$S"); rc=$?
is "$rc" 0 "P2 clear exits 0"
like "$out" "erased .* \(3 files\)" "P2 clear says what it erased"
ok "P2 data gone" test ! -e "$S/provisioning.json"
ok "P2 token gone" test ! -e "$S/token"
ok "P2 leftover temporary file gone" test ! -e "$S/.provisioning.json.Ab12Cd"
ok "P2 other files untouched" test -e "$S/keep.me"
like "$($A cache show --state-dir "$S")" "provisioning +none stored" "P2 show after clear: none"
is "$($A cache clear --state-dir "$S" --json | jget 'j["erased"]')" 0 "P2 clear again: nothing to erase"
like "$($A cache clear --state-dir "$D/missing")" "nothing stored" "P2 clear of a missing directory"

# Usage errors: exit 2.
$A cache >/dev/null 2>&1; is "$?" 2 "usage: no action"
$A cache frob >/dev/null 2>&1; is "$?" 2 "usage: unknown action"
$A cache show clear >/dev/null 2>&1; is "$?" 2 "usage: two actions"
$A cache show --state-dir >/dev/null 2>&1; is "$?" 2 "usage: --state-dir without a value"
$A cache show --bogus >/dev/null 2>&1; is "$?" 2 "usage: unknown option"
like "$($A cache --help)" "cache clear" "--help"

done_testing
