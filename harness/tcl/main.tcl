# The harness's command line: `mirrorcert list|run|mutants|init|hold|version|help`. Loaded by harness/main.c into
# an interpreter that already has Expect and the C modules (sys, report, iscsi); ::mc::home is
# the source tree, ::mc::version the program version.

namespace eval ::mc {
    # Exit statuses (README.md, "Command line"): 0 every verdict pass, n/a or expected failure;
    # 1 any fail, inconc or error; 2 usage or environment error.
    variable EXIT_OK 0
    variable EXIT_FAILED 1
    variable EXIT_USAGE 2
}

foreach part {config catalogue_use suite device spawn vector output results run init replay replay_run hold} {
    source [file join $::mc::home harness tcl $part.tcl]
}
source [file join $::mc::home conformance catalogue.tcl]

# Spawned devices talk to the profiles, not to the user.
log_user 0

# A usage or environment problem: unwinds to ::mc::main, which prints it and exits 2.
proc ::mc::usage_error {msg} {
    return -code error -errorcode {MC USAGE} $msg
}

proc ::mc::help {} {
    return [string trim {
usage: mirrorcert COMMAND [options]

  run [--suite S] [--filter GLOB] [--role ROLES] [--device PROFILE] [--pixit FILE]
      [--pics FILE] [--seed N] [--shard K/N] [--junit FILE] [--tap] [--report DIR]
      [--mutant NAME] [--vector-file FILE]...
                      run suites' vectors against a device (default: every suite on its
                      own device; reports in reports/out/SUITE unless --report); exit 0
                      when every verdict is pass, n/a or an expected failure, 1 when any
                      is fail, inconc or error, 2 on usage or environment errors;
                      --vector-file adds a vector file of your own (one `replay
                      --emit-vector` wrote) to the suite, with the suite's helpers
  list [PATTERN]      list suites and their vectors (ids matching the glob PATTERN)
  mutants [--suite S] [--device PROFILE]
                      the mutants of a suite's device (default: every certified suite's),
                      one a line: NAME<TAB>ROLES<TAB>CLAUSE<TAB>WHAT
  init DEVICE-NAME --suite S [--dir DIR] [--force]
                      write DEVICE-NAME.pixit and DEVICE-NAME.pics (commented, the items
                      the suite reads) for a device of your own; prints the run line
  replay CAPTURE [--flow N] [--device PROFILE [--pixit FILE] [--report DIR]
         [--shrink [--tries N]] [--emit-vector FILE]]
                      a capture's flows and one flow's iSCSI PDUs (pcap or pcapng, from
                      tcpdump or Wireshark); with --device the initiator's side of the
                      flow is replayed against the device and its answers compared with
                      the captured ones: exit 0 when they agree, 1 when they diverge
  merge-junit -o OUT IN...
                      merge the JUnit files of a sharded run into one; exit 2 on an
                      unreadable or malformed input or a testcase in two inputs
  hold --device PROFILE [--pixit FILE]
                      start a device through its profile and hold it up until standard
                      input ends (one command a line: kill MEMBER, start MEMBER); prints
                      its portals, then "ready"; exit 77 when this host cannot run it
  serve iscsi-target --portal ADDR:PORT ...   run the reference iSCSI target
  serve vsan-server|vsan-witness ...           run a virtual SAN server or witness
  soak [--runs N] [--seed S] [--servers 2|3]   seeded chaos runs of the virtual SAN's mirror
                      engine in a simulated cluster; a seed replays exactly (soak --help)
  initiator ...       the reference iSCSI initiator
  version             print the program version
  help                print this text

Suites: conformance/suites/*.tcl. Device profiles: harness/devices/*.tcl.
}]
}

proc ::mc::main {argv} {
    variable EXIT_USAGE
    set cmd [lindex $argv 0]
    set args [lrange $argv 1 end]
    set rc [catch {
        switch -- $cmd {
            run     { ::mc::run_command {*}$args }
            list    { ::mc::list_command {*}$args }
            mutants { ::mc::mutants_command {*}$args }
            init    { ::mc::init_command {*}$args }
            replay  { ::mc::replay_command {*}$args }
            hold    { ::mc::hold_command {*}$args }
            version { puts "mirrorcert $::mc::version"; expr 0 }
            help - --help - -h { puts [help]; expr 0 }
            default {
                puts stderr [help]
                if {$cmd ne ""} {
                    puts stderr "mirrorcert: unknown command \"$cmd\""
                }
                expr {$EXIT_USAGE}
            }
        }
    } result opts]
    if {$rc == 0} {
        return $result
    }
    # A reader that stopped early (| head) is not a harness fault.
    if {[lrange [dict get $opts -errorcode] 0 1] eq {POSIX EPIPE}} {
        return $EXIT_USAGE
    }
    set code [dict get $opts -errorcode]
    if {[lrange $code 0 1] eq {MC USAGE}} {
        say_error $result
    } elseif {[lindex $code 0] eq "POSIX"} {
        # Standard output or a report that cannot be written (a full disk, a closed pipe).
        say_error "cannot write the output: $result"
    } else {
        # A harness fault: one line for the user; MIRRORCERT_DEBUG=1 adds Tcl's stack.
        say_error "internal error: [lindex [split $result \n] 0]"
        if {[info exists ::env(MIRRORCERT_DEBUG)] && $::env(MIRRORCERT_DEBUG) ne ""} {
            catch {puts stderr [dict get $opts -errorinfo]}
        }
    }
    return $EXIT_USAGE
}

# One line on stderr (which may itself be closed: the exit status still says it); a message of
# several lines (a device's own output) is joined into one.
proc ::mc::say_error {msg} {
    set line [regsub -all {\s*\n\s*} [string trim $msg] "; "]
    catch {puts stderr "mirrorcert: $line"}
}

# Options of `run` as a dict; unknown options and missing values are usage errors.
proc ::mc::parse_run_options {args} {
    set o [dict create suite {} filter * role {} device {} pixit {} pics {} seed {} shard {} \
               junit {} tap 0 report {} mutant {} vector-file {}]
    while {[llength $args]} {
        set args [lassign $args opt]
        switch -- $opt {
            --tap { dict set o tap 1 }
            --vector-file {
                if {![llength $args]} {
                    usage_error "$opt needs a value"
                }
                set args [lassign $args value]
                dict lappend o vector-file $value
            }
            --suite - --filter - --role - --device - --pixit - --pics - --seed - --shard - --junit -
            --report - --mutant {
                if {![llength $args]} {
                    usage_error "$opt needs a value"
                }
                set args [lassign $args value]
                dict set o [string range $opt 2 end] $value
            }
            default { usage_error "run: unknown option \"$opt\" (see `mirrorcert help`)" }
        }
    }
    set seed [dict get $o seed]
    if {$seed eq ""} {
        # No seed given: take one and report it, so the run can be replayed with --seed.
        dict set o seed [expr {[clock microseconds] % 2147483647}]
    } elseif {![string is entier -strict $seed] || $seed < 0} {
        usage_error "--seed must be a non-negative integer, not \"$seed\""
    }
    if {![string is list [dict get $o role]]} {
        usage_error "--role must be a list of vector roles, not \"[dict get $o role]\""
    }
    if {[llength [dict get $o vector-file]] && [dict get $o suite] eq ""} {
        usage_error "--vector-file adds vectors to one suite: name it with --suite"
    }
    set shard [dict get $o shard]
    if {$shard ne ""} {
        if {![regexp {^([0-9]+)/([0-9]+)$} $shard -> k n] || $n < 1 || $k < 1 || $k > $n} {
            usage_error "--shard must be K/N with 1 <= K <= N, not \"$shard\""
        }
    }
    return $o
}

# `mirrorcert mutants [--suite S] [--device P]`: the mutants of P (else the suite's device; else
# every certified suite's device), one a line in the common format, each once.
proc ::mc::mutants_command {args} {
    set o [dict create suite {} device {}]
    while {[llength $args]} {
        set args [lassign $args opt]
        if {$opt ni {--suite --device} || ![llength $args]} {
            usage_error "usage: mirrorcert mutants \[--suite S\] \[--device PROFILE\]"
        }
        set args [lassign $args value]
        dict set o [string range $opt 2 end] $value
    }
    if {[dict get $o device] ne ""} {
        set devices [list [dict get $o device]]
    } else {
        set names [expr {[dict get $o suite] ne "" ? [list [dict get $o suite]] : [default_suites]}]
        set devices [lsort -unique [lmap name $names {dict get [load_suite $name] device}]]
    }
    set seen {}
    foreach devname $devices {
        load_profile $devname
        foreach d [device_mutants] {
            if {[dict get $d name] in $seen} {
                continue
            }
            lappend seen [dict get $d name]
            puts [join [lmap k {name roles clause breaks} {dict get $d $k}] \t]
        }
    }
    return 0
}

proc ::mc::list_command {args} {
    if {[llength $args] > 1} {
        usage_error "usage: mirrorcert list \[PATTERN\]"
    }
    set pattern [expr {[llength $args] ? [lindex $args 0] : "*"}]
    foreach name [suite_names] {
        set suite [load_suite $name]
        set shown 0
        foreach v [dict get $suite vectors] {
            if {![string match $pattern [dict get $v id]]} {
                continue
            }
            if {!$shown} {
                puts "$name: [dict get $suite summary]"
                set shown 1
            }
            puts [format "  %-44s %-9s %s" [dict get $v id] [dict get $v role] [dict get $v claims]]
        }
    }
    return 0
}
