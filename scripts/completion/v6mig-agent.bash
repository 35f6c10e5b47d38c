# bash completion for v6mig-agent(8)                       -*- shell-script -*-
# Subcommands, each one's flags (a flag already given is not offered again,
# except the repeatable --lan and --resolver), interface names for --wan and
# --lan, the methods this build has for --method. Plain bash: it needs
# nothing from the bash-completion package.

_v6mig_agent_methods()
{
	local line m out=""
	# This build's capability (HB46PP R4) says which methods exist.
	line=$("$1" --version 2>/dev/null) || line=""
	case $line in
	*"capability "*)
		line=${line##*capability }
		line=${line%)*}
		for m in ${line//,/ }; do
			case $m in 464xlat|dslite|ipip|lw4o6|map_e|map_t) out+=" $m" ;; esac
		done
		echo "auto$out" ;;
	*) echo "auto map_e dslite lw4o6 ipip" ;;
	esac
}

_v6mig_agent()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmd=${COMP_WORDS[1]} opts="" o w i
	COMPREPLY=()

	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W "run probe calc plan apply down status cache --help --version" -- "$cur"))
		return 0
	fi

	case $prev in
	--wan|--lan)
		COMPREPLY=($(compgen -W "$(command ls /sys/class/net 2>/dev/null)" -- "$cur"))
		return 0 ;;
	--method)
		COMPREPLY=($(compgen -W "$(_v6mig_agent_methods "${COMP_WORDS[0]}")" -- "$cur"))
		return 0 ;;
	--log-level)
		COMPREPLY=($(compgen -W "err warning notice info debug" -- "$cur"))
		return 0 ;;
	--config|--ca-file|--from|--hook|--pass-file)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0 ;;
	--state-dir|--run-dir)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0 ;;
	--resolver|--domain|--user|--pass|--server-name|--timeout|--prefix|\
	--rule-ipv6|--rule-ipv4|--ea-length|--psid-offset|--ipv4|--psid|\
	--psid-length|--rfc6052|--hook-timeout)
		return 0 ;; # a value of the user's own
	esac

	case $cmd in
	run) opts="--config --wan --lan --resolver --domain --ca-file --user
		--pass-file --server-name --timeout --method --from --prefix
		--state-dir --run-dir --log-level --hook --hook-timeout --instance
		--route-metric" ;;
	probe) opts="--resolver --domain --wan --ca-file --user --pass-file
		--server-name --timeout --json" ;;
	plan) opts="--from --method --wan --prefix --dest --no-mesh --instance --route-metric --json" ;;
	apply) opts="--from --method --wan --lan --prefix --instance
		--route-metric --run-dir" ;;
	down) opts="--instance --run-dir" ;;
	status) opts="--json --run-dir" ;;
	cache)
		if [[ $COMP_CWORD -eq 2 ]]; then
			COMPREPLY=($(compgen -W "show clear" -- "$cur"))
			return 0
		fi
		opts="--state-dir" ;;
	calc) opts="--rule-ipv6 --rule-ipv4 --ea-length --psid-offset --draft03
		--prefix --lw4o6 --ipv4 --psid --psid-length --rfc6052 --json" ;;
	*) return 0 ;;
	esac

	# Drop flags already on the line (all but the repeatable ones).
	w=""
	for o in $opts --help; do
		for ((i = 2; i < COMP_CWORD; i++)); do
			[[ ${COMP_WORDS[i]} == "$o" && $o != --lan && $o != --resolver ]] && continue 2
		done
		w+=" $o"
	done
	COMPREPLY=($(compgen -W "$w" -- "$cur"))
	return 0
}
complete -F _v6mig_agent v6mig-agent
