#!/bin/sh
# MAP-E mesh (issue 13) on Debian's 6.1 kernel: the namespace test of the
# agent's apply and daemon paths (tests/ns/test_mesh_apply.sh: CE1 by the
# daemon, CE2 by apply, 256 rules, CE to CE direct, the BR for the rest, a
# forged source dropped, down) on the kernel integrators ship. Here 6.1
# has no BPF_F_ADJ_ROOM_DECAP_L3_IPV4, so decapsulation takes the
# change_proto + adjust_room path, and it has ip6tnl, so the switch to
# hub-and-spoke (map_e.mesh 0) really makes the ip6tnl and back.
# TCG is slow: a smaller TCP transfer, a longer bound on the first apply.
here=$(cd "$(dirname "$0")" && pwd)
MESH_TCP_BYTES=${MESH_TCP_BYTES:-300000} MESH_APPLY_MS_MAX=${MESH_APPLY_MS_MAX:-60000} \
	AGENT=${1:-$here/../../../build/v6mig-agent} exec sh "$here/../../ns/test_mesh_apply.sh"
