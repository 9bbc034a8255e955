# Which command judges the mutants of which file (tests/mutation/run, docs/mutation.md).
# `judge GLOBS COMMAND`: the first judge with a glob (Tcl string match, relative to the
# worktree) matching a file judges it; @MC@ is the mutated build's mirrorcert. A mutant is killed
# when the command exits non-zero (a fail or error verdict, a crash, or its deadline).
# `ignore_calls NAMES`: no mutant is made in the arguments of these calls (log lines only).

# The target's hook API (target_ext.c) and hook dispatch (target_hooks.c) run for hook modules:
# the reference target serves with the multicast member module, whose target vectors are what
# exercises them; the iscsi-core suite judges what they do for plain iSCSI. Both must pass.
judge {reference/iscsi/target/target_ext.c reference/iscsi/target/target_hooks.c} {sh -c {@MC@ run --suite iscsi-core --device reference --seed 1 && @MC@ run --suite mcast --device mcast-reference --role target --seed 1}}
# The reference target's code: the iscsi-core suite on the reference profile (whole suite).
judge {reference/iscsi/target/*.c} {@MC@ run --suite iscsi-core --device reference --seed 1}
# The multicast member (the target side, a hook module of the reference target): the mcast
# suite's target vectors on mcast-reference. The role filters lose nothing: in the initiator
# vectors the harness emulates the targets (no member code runs), in the target vectors the
# harness is the initiator (no mirroring initiator or console code runs).
judge {reference/iscsi/mcast/member*.c} {@MC@ run --suite mcast --device mcast-reference --role target --seed 1}
# The mirroring initiator and its console: the mcast suite's initiator vectors.
judge {reference/iscsi/mcast/mirror*.c reference/iscsi/mcast/console.c} {@MC@ run --suite mcast --device mcast-reference --role initiator --seed 1}
# Framing and registration keys serve both sides: the whole mcast suite.
judge {reference/iscsi/mcast/*.c} {@MC@ run --suite mcast --device mcast-reference --seed 1}
# The SPI bus simulator, host and disks: the spi suite on spi-sim (in the harness's process).
judge {reference/spi/*.c} {@MC@ run --suite spi --device spi-sim --seed 1}

ignore_calls {tgt_log tgt_vlog mc_conn_log hooks_log fprintf}
