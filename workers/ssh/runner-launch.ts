/**
 * The part of the stage runner (workers/ssh/runner-program.ts) that starts a stage's script and
 * bounds it: the process group the timeout signals, the watchdog that keeps the deadline, the wait.
 *
 * Three ways, the cheapest the host allows (rm_ss):
 * - 2, the runner's own group: sshd starts the runner as the leader of a new session and process
 *   group, so the script is simply forked and exec'd into it — one fork and one exec per stage,
 *   nothing in between (a `setsid` exec costs about 1 ms here, as much as a no-op bash script's
 *   whole start; issue 12). The timeout signals that group's other members, found in /proc
 *   (rm_sgrp): TERM, then KILL. The watchdog is in a session of its own, so a script's own `kill 0`
 *   cannot take the deadline with it; this shell, given TERM, finishes its stage first (rm_term).
 * - 1, setsid: where the runner is not its group's leader (a wrapper forked it), setsid(1) execs
 *   the script as the leader of a group of its own, signalled as a whole.
 * - 0, timeout(1): without setsid or /proc, timeout(1) leads the script's group and keeps its time.
 * In 1 and 2 this shell keeps the deadline with one sleep(1), the watchdog, kept from stage to
 * stage while its time still fits (rm_wd, firing at rm_wdt): a chain of stages, or a whole host
 * cycle, costs one sleep process instead of a timeout(1) process per stage.
 */
/** `${` cannot be written inside a template literal: shell parameter expansions use this. */
const BRACE = '${'

export const RUNNER_LAUNCH = String.raw`
# The process group of process $1 (rm_g), from /proc/<pid>/stat: the fifth field, counted after the
# command name's closing parenthesis (a name may hold spaces).
rm_pgrp() {
  rm_g= rm_s=
  { read -r rm_s < "/proc/$1/stat"; } 2>/dev/null || return 1
  rm_s=${BRACE}rm_s##*) }
  set -- $rm_s
  rm_g=$3
  [ -n "$rm_g" ]
}
# Whether /proc shows this shell's own pid namespace (rm_procok): a shell in a pid namespace of its
# own under the host's /proc (unshare --pid without a /proc of its own) reads other processes there
# under its pids, so nothing in /proc is taken to be about its processes then.
rm_procok=0 rm_z=
# Error messages of commands expected to fail (kill -s 0 of an ended process) go to fd 9, /dev/null
# opened once: a 2>/dev/null opens it again at every use, and a stage's start has several (issue 12).
exec 9> /dev/null
if { read -r rm_s rm_z < /proc/self/stat; } 2>/dev/null && [ "$rm_s" = "$$" ]; then rm_procok=1; fi
rm_ss=0 rm_hs=0
if command -v setsid > /dev/null 2>&1; then rm_hs=1; fi
if [ "$rm_hs" = 1 ] && [ -r /proc/uptime ]; then rm_ss=1; fi
if [ "$rm_procok" = 1 ] && rm_pgrp $$ && [ "$rm_g" = "$$" ]; then rm_ss=2; fi
# SIGTERM (a shutdown, an operator, a script's kill 0 in the shell's own group): the running stage
# is still waited for and its status recorded and answered, then the shell ends without starting
# another (rm_done); a worker asks for that one again on a new connection.
rm_term=0
trap 'rm_term=1' TERM
rm_wd= rm_wdt=0 rm_arming=0
trap '[ -z "$rm_wd" ] || kill -s KILL "$rm_wd" 2>/dev/null' EXIT
# A reply written after the worker's side went away (a lost connection) ends the shell through its
# EXIT trap, which ends the watchdog, rather than by SIGPIPE, which would leave the watchdog until
# its time. The stage's status is on the host by then; a worker asks for it again.
trap 'exit 141' PIPE
# A watchdog that fires by $1 (centiseconds since boot), rm_t being the clock its caller has just
# read: the running one if it fires between now and $1, else a new one. It leads a session of its
# own (setsid, one exec per watchdog, usually one per host cycle), so that a script's kill 0 does
# not reach it, while a shutdown's SIGTERM to every process still ends it at once, even orphaned.
# Without setsid it ignores TERM instead. rm_alarm stays out meanwhile (rm_arming): it would wait
# for the watchdog this waits for, or arm one of its own; it notes that it was called
# (rm_missed), and the caller runs it once afterwards. A kept watchdog is asked whether it is still
# there: one killed while no stage ran ended unseen by any trap (dash has reaped it by now, so
# kill -s 0 tells), and counting on it would leave the stage without its deadline. Asked without a
# redirection (a stage's start costs fewer system calls): only a watchdog gone that way makes kill
# say so on the runner's stderr.
rm_arm() {
  rm_dl=$1 rm_arming=1
  if [ -n "$rm_wd" ]; then
    if [ "$rm_t" -lt "$rm_wdt" ] && [ "$rm_wdt" -le "$rm_dl" ] && kill -s 0 "$rm_wd"; then
      rm_arming=0
      return 0
    fi
    rm_disarm
    rm_clock
  fi
  rm_d=$(( rm_dl - rm_t ))
  [ "$rm_d" -gt 0 ] || rm_d=1
  rm_sl=$(( rm_d / 100 )).$(( rm_d % 100 / 10 ))$(( rm_d % 10 ))
  if [ "$rm_hs" = 1 ]; then
    ( exec setsid sleep "$rm_sl" ) < /dev/null > /dev/null 2>&1 &
  else
    ( trap '' TERM; exec sleep "$rm_sl" ) < /dev/null > /dev/null 2>&1 &
  fi
  rm_wd=$! rm_wdt=$(( rm_t + rm_d )) rm_arming=0
}
rm_disarm() {
  [ -n "$rm_wd" ] || return 0
  kill -s KILL "$rm_wd" 2>/dev/null
  wait "$rm_wd" 2>/dev/null
  rm_wd=
}
# The CHLD trap while a stage runs (any child's end: the script's, the watchdog's). Once the
# watchdog's time has come, or the watchdog is gone before it (a script's kill 0 reached it while it
# was still starting, in this shell's group, before its setsid): early (a watchdog kept from
# an earlier stage, or one killed) it is armed again for the rest; at the deadline the script's whole
# group gets TERM and the watchdog is armed for 5 s; if the script is still there then, the group
# gets KILL. Run by dash between commands or inside the wait it interrupts, never in the middle of
# one, so no expiry can fall between a check and a wait.
rm_alarm() {
  if [ "$rm_arming" = 1 ]; then rm_missed=1; return 0; fi
  [ -n "$rm_wd" ] || return 0
  # The usual CHLD, the script's end inside the wait (reaped then, so kill -s 0 fails; its zombie,
  # outside a wait, does not): with the watchdog still there, this stage's deadline no longer
  # matters and nothing else is to be done, not even a look at the clock (rm_arm looks at the
  # watchdog's time for the next stage). rm_sgone tells rm_launch's wait loop.
  if [ "$rm_missed" != 1 ] && { ! kill -s 0 "$rm_pid" && kill -s 0 "$rm_wd"; } 2>&9; then
    rm_sgone=1
    return 0
  fi
  rm_a=$rm_t
  rm_clock
  if [ "$rm_t" -ge "$rm_wdt" ] || ! rm_alive "$rm_wd"; then
    # Ended, or ending: KILL first, so that the wait can never block on a watchdog still there (one
    # judged gone by mistake would otherwise hold this shell, and the stage's answer, until its time).
    # A CHLD meanwhile is only noted (rm_arming): run inside that wait, rm_alarm would arm a watchdog
    # that this one then forgets.
    rm_arming=1
    rm_disarm
    rm_arming=0
    if [ "$rm_t" -lt "$rm_dl" ]; then
      rm_arm "$rm_dl"
    elif [ "$rm_timed" = 0 ]; then
      rm_timed=1
      rm_signal TERM
      rm_arm $(( rm_t + 500 ))
    else
      rm_signal KILL
    fi
  fi
  rm_t=$rm_a
}
# Whether process $1 (the watchdog) is still there. Inside a wait, dash has reaped a child that
# ended before its trap runs, so kill -s 0 tells; a CHLD noted while arming (rm_missed) is looked
# at after it, outside a wait, where an ended child may not be reaped yet: there /proc tells a
# zombie apart, if it is this shell's own (rm_procok); otherwise kill -s 0's answer stands.
rm_alive() {
  kill -s 0 "$1" 2>&9 || return 1
  [ "$rm_missed" = 1 ] && [ "$rm_procok" = 1 ] || return 0
  rm_pgrp "$1" || return 1
  [ "$rm_s" = "${BRACE}rm_s#Z}" ]
}
# Signal $1 to the running stage's whole group: the script's own (rm_ss 0 and 1), or the other
# members of this shell's (rm_ss 2), the watchdog left out of a KILL by ending it first.
rm_signal() {
  if [ "$rm_ss" != 2 ]; then kill -s "$1" -- -"$rm_pid" 2>/dev/null; return 0; fi
  [ "$1" != KILL ] || rm_disarm
  rm_sgrp "$1"
}
# Signal $1 to every live process of this shell's group but this shell, found in /proc. KILL is
# sent again until a pass finds none alive (a process forked during a pass is seen by the next;
# three passes at most); what a TERM pass misses gets the KILL that follows the script's end.
rm_sgrp() {
  rm_kp=0
  while [ "$rm_kp" -lt 3 ]; do
    rm_kp=$(( rm_kp + 1 )) rm_hit=0
    for rm_pd in /proc/[0-9]*; do
      rm_q=${BRACE}rm_pd#/proc/}
      if [ "$rm_q" != "$$" ] && rm_pgrp "$rm_q" && [ "$rm_g" = "$$" ] && [ "$rm_s" = "${BRACE}rm_s#Z}" ]; then
        kill -s "$1" "$rm_q" 2>/dev/null && rm_hit=1
      fi
    done
    [ "$1" = KILL ] && [ "$rm_hit" = 1 ] || return 0
  done
}
rm_exec() {
  case $rm_ss in
    2) exec "$@" ;;
    1) exec setsid "$@" ;;
  esac
  exec timeout -k 5 "$rm_to" "$@"
}
rm_script_exec() {
  if [ "$rm_hp" = 1 ]; then rm_exec "$rm_script" "$rm_pl"; else rm_exec "$rm_script"; fi
}
# The script, its output to $1 (a file, or - for this stdout), waited for; its exit status in rm_rc,
# rm_timed=1 when the timeout ended it. Its pid (rm_pid) is also its process group's id but in the
# runner's own group (rm_ss 2), where the group is this shell's pid; the journal's p line has both.
# The output file is opened (emptied) by the forked shell, not by this one: no descriptor of this
# shell to move for it (issue 12). A file that cannot be opened fails the stage with status 2 and
# the reason on the runner's stderr.
rm_launch() {
  rm_clock; rm_t0=$rm_t rm_timed=0 rm_sgone=0
  if [ "$1" = - ]; then
    ( rm_env; rm_script_exec ) < /dev/null 2>&1 9>&- &
  else
    ( rm_env; rm_script_exec ) < /dev/null > "$1" 2>&1 9>&- &
  fi
  rm_pid=$!
  if [ "$rm_ss" != 0 ]; then
    rm_grp=$rm_pid
    [ "$rm_ss" = 2 ] && rm_grp=$$
    [ "$1" = - ] || rm_jput p "$rm_pid" $(( rm_t0 + rm_to * 100 )) "$rm_grp"
    # The trap before the watchdog is looked at: an expiry from then on is seen by rm_alarm (here
    # once more after rm_arm if it came meanwhile, rm_alarm staying out of rm_arm).
    rm_missed=0
    trap rm_alarm CHLD
    rm_t=$rm_t0
    rm_arm $(( rm_t0 + rm_to * 100 ))
    # Looked at once, here; later CHLDs come inside the wait, where kill -s 0 tells.
    [ "$rm_missed" = 0 ] || { rm_alarm; rm_missed=0; }
  elif [ "$1" != - ]; then
    rm_jput p "$rm_pid" - -
  fi
  while :; do
    wait "$rm_pid"; rm_rc=$?
    # Above 128: the script's own status, or a wait cut short by a trapped signal (CHLD, TERM).
    [ "$rm_rc" -gt 128 ] || break
    # Cut short while the script runs (or is a zombie not yet reaped): wait on. Seen gone by the
    # trap (rm_sgone), it is not asked again.
    if [ "$rm_sgone" = 0 ] && kill -s 0 "$rm_pid" 2>&9; then continue; fi
    # Gone, and reaped while this shell ran a trap: its status is still kept for this wait (127
    # only when it was reported already, and then rm_rc was it).
    wait "$rm_pid" 2>&9; rm_w=$?
    [ "$rm_w" = 127 ] || rm_rc=$rm_w
    break
  done
  if [ "$rm_ss" != 0 ]; then
    trap - CHLD
    # The group had its TERM: whatever of it outlived the script gets KILL now instead of a wait.
    [ "$rm_timed" = 1 ] && rm_signal KILL
    return 0
  fi
  # 124/137 are timeout(1)'s own answers, but also exit codes a script may use: the clock decides.
  case $rm_rc in 124|137) ;; *) return 0 ;; esac
  rm_clock
  if [ "$rm_t0" -ge 0 ] && [ "$rm_t" -ge 0 ] && [ $(( rm_t - rm_t0 + 5 )) -lt $(( rm_to * 100 )) ]; then return 0; fi
  rm_timed=1
  kill -s KILL -- -"$rm_pid" 2>/dev/null
  return 0
}
`
