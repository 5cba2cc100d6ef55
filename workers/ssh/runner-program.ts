import { RUNNER_LAUNCH } from './runner-launch.js'

/**
 * The persistent stage runner: one POSIX `sh` per host session, started once over one exec channel
 * (`exec sh -s`) and fed this program, then one request line per stage on the same stdin. Nothing
 * to install on the hosts beyond sh, coreutils (`sleep`, `tail`, `timeout`: a re-attaching shell's
 * slices, and the stage's leader where neither of the others can be) and util-linux's `setsid` (the
 * watchdog's session, and each script's group where the shell does not lead its own).
 *
 * Why this shape: on a busy host every process creation costs milliseconds, and the old design
 * paid a new SSH channel, a login shell and about ten processes per stage. Here a stage costs the
 * script itself (forked and exec'd into the process group the timeout signals:
 * workers/ssh/runner-launch.ts), and `tail` only when the script printed something; the timeout is
 * kept by this shell with one `sleep` (the watchdog, rm_arm) that serves every stage whose deadline
 * it fits, so a host's whole cycle usually costs one. Everything else (claim, boot id, timing,
 * status, replies) is shell builtins, and a stage creates no file: every run's state on a host is
 * one journal directly in `<stateDir>/runs/`, which the session's start makes once per host (a
 * `mkdir` per run was a host process per run, issue 16).
 *
 * The journal is `<stateDir>/runs/<runId>.<hostKey>.journal` (the names: workers/ssh/stage-files.ts;
 * hostKey is the host id with `/` and `%` encoded, `rm_hk`), made by the run's first stage on the
 * host and appended to after that: on an ext4 file system a file's creation costs 0.1-0.3 ms of the
 * host's CPU, an append a few microseconds (issue 12; a stage's own claim file was one creation per
 * stage). Each line is one event of one stage, written by a single write(2) and read back by the
 * shell itself with `.` (rm_j): a claim (every shell asking to start the stage appends one; the
 * first in the file wins, so a stage runs at most once per host and run: rm_claim), its start (the
 * script's pid, deadline and process group), its exit status, its output file's release. The output
 * goes to one file per runner shell, `runs/session.<boot>.<clock>.<pid>.output`, emptied for each
 * stage it starts (rm_outfile). A worker re-attaching after a crash or a lost connection sends the
 * same request on a new shell: it finds the claim and waits for the running process to end
 * (rm_attach), then reports what the first shell recorded. A shell that dies with its stage (a
 * reboot) leaves no exit status: the stage is reported `vanished` with both boot ids. Stages started
 * by older runners are re-attached to where they are: a claim file per stage
 * (`<runId>.<hostKey>.<Stage>.claim`, lines for what the journal has), files of their own for the
 * boot id, group, status and timeout mark, or a directory per stage
 * (`<stateDir>/runs/<runId>/<hostId>/<Stage>/<file>`). A runner older than the journal does not
 * read it: a run in progress must not be taken over by a worker of an older release.
 *
 * The shell survives a dropped connection (sshd sends no hangup to a session without a pty): it
 * keeps waiting for its stage and keeps its timeout, records the exit status, and only then dies
 * writing its reply. Only while that shell lives is the timeout kept on the host: a shell killed on
 * purpose leaves its stage to the worker, which re-attaches and reports it when it ends.
 *
 * `direct` mode runs the script in the foreground of the same shell, its output streamed through
 * the channel, with only its claim kept on the host: a second request for a claimed stage (after a
 * lost connection or a worker crash) answers `unknown` instead of starting it again (docs/stage-scripts.md#executors).
 *
 * Replies on stdout: the stage's output bytes (last 64 KiB), then
 * `\nROLLMAINT-END <nonce> <kind> <exitCode|-> <bootIdAtStart|-> <bootIdNow>\n` where the nonce
 * is the request's own random one (a script cannot forge the end of its output) and kind is one
 * of found | missing | exited | timeout | vanished | unknown | done | error | held.
 *
 * A chain (`rm_chain`) is several detached stages in one request, each with its own nonce and
 * reply: the shell starts the next one itself when the one before it ended as the request allows
 * (exit 0, or no script), and answers `held` for those it did not start. It saves the worker's
 * round trip between stages where nothing happens between them (the `none` maintenance driver).
 */
/** `${` cannot be written inside a template literal: shell parameter expansions use this. */
const BRACE = '${'

export const RUNNER_PROGRAM = String.raw`
rm_end() { printf '\nROLLMAINT-END %s %s %s %s %s\n' "$1" "$2" "$3" "$4" "$rm_boot_now"; }
# The boot id goes into journal lines the shell reads back as commands: one with other characters
# than a boot id has (a UUID) counts as unknown, as an unreadable one does. Read once per shell: no
# shell outlives its boot (dash reads a file a byte per system call, issue 12).
rm_boot() {
  [ -z "$rm_boot_now" ] || return 0
  if [ -r "$rm_boot_path" ]; then read -r rm_boot_now < "$rm_boot_path" || :; fi
  case $rm_boot_now in ''|*[!0-9A-Za-z_.:-]*) rm_boot_now=unknown ;; esac
}
# Centiseconds since boot, builtins only (-1 when /proc/uptime is not there: looked at once).
rm_upok=0
[ ! -r /proc/uptime ] || rm_upok=1
rm_clock() {
  rm_t=-1 rm_up=
  if [ "$rm_upok" = 1 ]; then read -r rm_up rm_idle < /proc/uptime || :; fi
  case $rm_up in [0-9]*.[0-9][0-9]) rm_t=$(( ${BRACE}rm_up%.*} * 100 + 1${BRACE}rm_up#*.} - 100 )) ;; esac
}
rm_find() {
  rm_script=
  for rm_f in "$rm_hooks/$1" "$rm_hooks/$1.sh" "$rm_hooks/$1.py"; do
    if [ -f "$rm_f" ] && [ -x "$rm_f" ]; then rm_script=$rm_f; return 0; fi
  done
  return 1
}
rm_has() { if rm_find "$2"; then rm_end "$1" found - -; else rm_end "$1" missing - -; fi; }
# At most one scan an hour per host (every run asks): the last one's boot id and clock are kept in
# the cleaned file, read and written with builtins, so a run that finds a recent one costs no process.
rm_clean() {
  rm_boot; rm_clock; rm_lb= rm_lt=
  if [ -r "$rm_state/cleaned" ]; then read -r rm_lb rm_lt < "$rm_state/cleaned" || :; fi
  case $rm_lt in ''|*[!0-9]*) rm_lt=-1 ;; esac
  if [ "$rm_lb" = "$rm_boot_now" ] && [ "$rm_lt" -ge 0 ] && [ "$rm_t" -ge "$rm_lt" ] && [ $(( rm_t - rm_lt )) -lt 360000 ]; then
    rm_end "$1" done - -
    return
  fi
  printf '%s %s\n' "$rm_boot_now" "$rm_t" > "$rm_state/cleaned" 2>/dev/null
  # runs/ holds nothing but stages' files (and an older runner's run directories): whatever in it
  # is older than $2 days goes. A running stage's journal is younger: a stage times out within 7
  # days (604800 s) and the retention is at least 7 (find's +7 is 8 days or more).
  if [ -d "$rm_state/runs" ]; then
    ( exec find "$rm_state/runs" -mindepth 1 -maxdepth 1 -mtime +"$2" -exec rm -rf {} + ) < /dev/null > /dev/null 2>&1 &
  fi
  rm_end "$1" done - -
}
rm_env() {
  cd "$rm_hooks" || exit 92
  export ROLLMAINT_STAGE="$rm_st" ROLLMAINT_RUN_ID="$rm_run" ROLLMAINT_HOST_ID="$rm_host" ROLLMAINT_HOST_NAME="$rm_name" ROLLMAINT_PAYLOAD="$rm_pl"
}
${RUNNER_LAUNCH}
# A journal line: rm_j <stage> <event> <fields...> . (rm_jput writes them). Read back with the dot
# command (rm_jread), it sets rm_meta's variables for the stage rm_jst: c, the claim (the
# supervising shell, the boot id at the start, the file that holds the output: that shell's, in
# runs/, or - in direct mode; and the shell's own name, rm_so, which no other shell has: rm_jid),
# the first one only; p, once started, the script's pid, the deadline in centiseconds since boot
# and the process group the timeout signals (the script's own, or the supervising shell's; - where
# this shell keeps no timeout); x, the exit status and "timedout" when the timeout ended it (else
# -); r, once the shell's next stage reuses the output file. A line is taken only whole, ending in
# ".": one being appended may be read cut short. Only the shell whose claim is first writes p, x, r.
rm_j() {
  case $1 in "$rm_jst") ;; *) return 0 ;; esac
  case $2:$# in
    c:7) [ "$7" = . ] && [ -z "$rm_jid" ] && rm_sv=$3 rm_bs=$4 rm_of=$5 rm_jid=$6 ;;
    p:6) [ "$6" = . ] && rm_pg=$3 rm_pdl=${BRACE}4#-} rm_pgg=${BRACE}5#-} ;;
    x:5) [ "$5" = . ] && rm_xc=$3 rm_xt=${BRACE}4#-} ;;
    r:3) [ "$3" = . ] && rm_rel=released ;;
  esac
  return 0
}
# Read back as commands, the journal is read only when this user owns it: another user's (a state
# directory others may write to) could run anything as this one. Such a journal is not claimed in.
rm_jread() { if [ -r "$rm_jf" ] && [ -O "$rm_jf" ]; then . "$rm_jf"; fi; }
# One line for the stage rm_st, one write(2) (one printf): a reader sees it whole or not at all.
# The newline goes first: a line whose write did not finish (a full disk) ends where the next begins.
rm_jput() {
  case $1 in
    c) printf '\nrm_j %s c %s %s %s %s .' "$rm_st" "$$" "$rm_boot_now" "$rm_cof" "$rm_so" ;;
    p) printf '\nrm_j %s p %s %s %s .' "$rm_st" "$2" "$3" "$4" ;;
    x) printf '\nrm_j %s x %s %s .' "$rm_st" "$2" "${BRACE}3:--}" ;;
  esac >> "$rm_jf"
}
# What is known of the stage: rm_sv, rm_bs, rm_of (the claim), rm_pg, rm_pdl, rm_pgg (its start;
# where no group is named, the script's pid is its group's), rm_xc, rm_xt (its end), rm_rel
# (released), from the journal (rm_jm=1) or from an older runner's claim file, whose lines say
# the same, and whose boot id, group, status and timeout mark may be files of their own.
rm_meta() {
  rm_sv= rm_bs= rm_of= rm_jid= rm_pg= rm_pdl= rm_pgg= rm_xc= rm_xt= rm_rel=
  if [ "$rm_jm" = 1 ]; then
    rm_jst=$rm_st
    rm_jread
    [ -n "$rm_pgg" ] || rm_pgg=$rm_pg
    return 0
  fi
  if [ -r "$rm_p"claim ]; then { read -r rm_sv rm_bs rm_of; read -r rm_pg rm_pdl rm_pgg; read -r rm_xc rm_xt; read -r rm_rel; } < "$rm_p"claim || :; fi
  if [ -z "$rm_bs" ] && [ -r "$rm_p"boot_id ]; then read -r rm_bs < "$rm_p"boot_id || :; fi
  if [ -z "$rm_pg" ] && [ -r "$rm_p"pgid ]; then read -r rm_pg < "$rm_p"pgid || :; fi
  [ -n "$rm_pgg" ] || rm_pgg=$rm_pg
  if [ -z "$rm_xc" ] && [ -s "$rm_p"exit ]; then
    read -r rm_xc < "$rm_p"exit || :
    [ -e "$rm_p"timedout ] && rm_xt=timedout
  fi
}
rm_gone() { printf '(output no longer on the host: the runner shell that ran this stage has since started another with the same output file)\n'; }
rm_report() {
  rm_meta
  rm_answer
}
# The answer from what rm_meta found (or, for the stage this shell just ran, from what it knows:
# rm_stage sets the same variables instead of reading back the claim it wrote, issue 12).
rm_answer() {
  [ -n "$rm_bs" ] || rm_bs=-
  if [ -n "$rm_xc" ]; then
    rm_rc=$rm_xc rm_k=exited
    [ "$rm_xt" = timedout ] && rm_k=timeout
  else
    rm_k=vanished rm_rc=-
  fi
  case $rm_of in ''|-) rm_out="$rm_p"output ;; *) rm_out=$rm_state/runs/$rm_of ;; esac
  if [ -n "$rm_rel" ]; then
    rm_gone
  elif [ ! -s "$rm_out" ]; then
    :
  elif [ "$rm_sv" = "$$" ] && [ "$rm_bs" = "$rm_boot_now" ]; then
    tail -c 65536 "$rm_out" < /dev/null
  else
    # Another shell's file, which that shell empties for its next stage once it has marked this
    # stage released: read first, then the journal (or claim) is looked at again (rare: a re-attach).
    rm_o=$(tail -c 65536 "$rm_out" < /dev/null; echo x)
    if [ "$rm_jm" = 1 ]; then
      # The claim's line is not taken again (rm_jid is set); p and x say what they said.
      rm_jread
    else
      { read -r rm_z; read -r rm_z; read -r rm_z; read -r rm_rel; } < "$rm_p"claim || :
    fi
    if [ -n "$rm_rel" ]; then rm_gone; else printf '%s' "${BRACE}rm_o%x}"; fi
  fi
  rm_end "$rm_n" "$rm_k" "$rm_rc" "$rm_bs"
  rm_done
  # What a chain (rm_chain) goes on after: exit status 0 under the boot the stage started in.
  [ "$rm_k" = exited ] && [ "$rm_rc" = 0 ] && [ "$rm_bs" = "$rm_boot_now" ] && rm_last=ok
}
# Given SIGTERM (rm_term, runner-launch.ts), the shell ends once the stage it ran is answered: it
# starts no other, and a worker asks for what it did not answer again on a new connection.
rm_done() { [ "$rm_term" = 0 ] || exit 143; }
# The right to start the stage: this shell's claim appended to the journal, then read back; the
# stage is this shell's if the first claim in the journal is (its name, rm_so, is no other
# shell's, even one with the same pid). Appends are atomic (O_APPEND, one write): of two shells
# claiming at once, both read the same first claim. 0: claimed; 1: someone else's claim is first;
# 2: none can be made (answered as error 90). runs/ is made at the session's start; only if it
# went away since is it made again here (a process).
rm_claim() {
  if [ ! -O "$rm_jf" ] && [ -e "$rm_jf" ]; then
    printf '%s is not owned by this user: it is not read, no stage is started by it\n' "$rm_jf"
    return 2
  fi
  if ! { rm_jput c; } 2>&9; then
    mkdir -p "$rm_state/runs" < /dev/null 2>&9
    if ! { rm_jput c; } 2>&9; then
      printf 'cannot append to %s\n' "$rm_jf"
      return 2
    fi
  fi
  rm_meta
  [ "$rm_jid" = "$rm_so" ] && [ "$rm_sv" = "$$" ] && return 0
  return 1
}
# Someone else's start (another worker's shell, or this host's before a reconnect): wait for its end.
# While its timeout process lives, tail(1) watches the pid (polling in-process, no fork per poll);
# a claimed stage with no live process gets a few seconds for its shell to record the exit (or the
# pid), then counts as vanished. Pids are trusted only under the boot id they were recorded in.
rm_attach() {
  rm_i=0 rm_adl= rm_sig=TERM
  while rm_meta; [ -z "$rm_xc" ]; do
    [ -n "$rm_bs" ] && [ "$rm_bs" != "$rm_boot_now" ] && break
    if [ -n "$rm_pg" ] && kill -s 0 "$rm_pg" 2>/dev/null; then
      # Looked at again at least every minute and at the deadline: should the shell that keeps the
      # stage's timeout be gone by then, this one keeps it (the deadline that shell recorded; TERM,
      # then KILL 5 s later). Past the deadline with that shell still there, every second.
      rm_w=60
      if [ -n "$rm_pdl" ]; then
        [ -n "$rm_adl" ] || rm_adl=$rm_pdl
        rm_clock
        if [ "$rm_t" -lt "$rm_adl" ]; then
          [ $(( rm_adl - rm_t )) -ge 6000 ] || rm_w=$(( (rm_adl - rm_t) / 100 + 1 ))
        elif [ -n "$rm_sv" ] && kill -s 0 "$rm_sv" 2>/dev/null; then
          rm_w=1
        else
          kill -s "$rm_sig" -- -"$rm_pgg" 2>/dev/null
          rm_sig=KILL rm_adl=$(( rm_t + 500 )) rm_w=5
        fi
      fi
      timeout "$rm_w" tail --pid="$rm_pg" -s 0.2 -f /dev/null < /dev/null > /dev/null 2>&1
      case $? in 0|124) ;; *) sleep 0.2 ;; esac
      continue
    fi
    if [ $rm_i -lt 50 ] && [ -n "$rm_sv" ] && [ "$rm_sv" != "$$" ] && kill -s 0 "$rm_sv" 2>/dev/null; then
      sleep 0.1; rm_i=$(( rm_i + 1 )); continue
    fi
    break
  done
  rm_report
}
rm_direct() {
  [ "$rm_jm" = 1 ] && rm_meta
  if [ "$rm_jm" = 0 ] || [ -n "$rm_jid" ]; then rm_end "$rm_n" unknown - -; return; fi
  if ! rm_find "$rm_st"; then rm_end "$rm_n" missing - -; return; fi
  rm_outfile
  rm_cof=-
  rm_claim
  case $? in 0) ;; 1) rm_end "$rm_n" unknown - -; return ;; *) rm_end "$rm_n" error 90 -; return ;; esac
  rm_launch -
  if [ "$rm_timed" = 1 ]; then rm_k=timeout; else rm_k=exited; fi
  rm_end "$rm_n" "$rm_k" "$rm_rc" -
  rm_done
}
# This shell's output file, one for all the stages it starts (emptied for each: a file's creation
# costs more than a stage's start on some hosts, issue 12), named so that no other shell, now or
# in another boot, has the same: session.<first 8 of the boot id>.<clock>.<pid>.output.
rm_so= rm_lc= rm_lcs= rm_jm=0
rm_outfile() {
  [ -z "$rm_so" ] || return 0
  rm_clock
  rm_b8=${BRACE}rm_boot_now%"${BRACE}rm_boot_now#????????}"}
  case $rm_b8 in ''|*[!0-9A-Za-z_-]*) rm_b8=x ;; esac
  rm_so=session.$rm_b8.$rm_t.$$.output
}
# Run ids and stage names become parts of file names whose separator is "." (workers/ssh/stage-files.ts).
rm_word() { case $1 in ''|*[!0-9A-Za-z_-]*) return 1 ;; esac; }
# rm_stage nonce run stage timeoutSec detached|direct [payload]
rm_stage() {
  rm_done
  rm_n=$1 rm_run=$2 rm_st=$3 rm_to=$4 rm_mode=$5 rm_hp=0 rm_pl= rm_last=other
  if [ $# -ge 6 ]; then rm_hp=1 rm_pl=$6; fi
  rm_boot
  case $rm_to in ''|*[!0-9]*) rm_to=x ;; esac
  if ! rm_word "$rm_run" || ! rm_word "$rm_st" || [ "$rm_to" = x ]; then
    printf 'a run id or stage name with other characters than [0-9A-Za-z_-], or a timeout that is not a number of seconds\n'
    rm_end "$rm_n" error 91 -
    return
  fi
  rm_jf=$rm_state/runs/$rm_run.$rm_hk.journal rm_jm=1
  rm_p=$rm_state/runs/$rm_run.$rm_hk.$rm_st.
  # A stage an older runner started (a claim file, or a directory per stage) is answered from its
  # own files: a worker upgraded while a stage runs re-attaches to it instead of starting it again.
  if [ -e "$rm_p"claim ]; then
    rm_jm=0
  elif [ -e "$rm_state/runs/$rm_run/$rm_host/$rm_st/claim" ]; then
    rm_p=$rm_state/runs/$rm_run/$rm_host/$rm_st/ rm_jm=0
  fi
  if [ "$rm_mode" = direct ]; then rm_direct; return; fi
  if [ "$rm_jm" = 0 ]; then rm_attach; return; fi
  rm_meta
  if [ -n "$rm_jid" ]; then rm_attach; return; fi
  if ! rm_find "$rm_st"; then rm_end "$rm_n" missing - -; rm_last=missing; return; fi
  rm_outfile
  rm_cof=$rm_so
  rm_claim
  case $? in 0) ;; 1) rm_attach; return ;; *) rm_end "$rm_n" error 90 -; return ;; esac
  # The output file passes to this stage: the one before it that had it is marked released first.
  [ -n "$rm_lc" ] && [ -e "$rm_lc" ] && printf '\nrm_j %s r .' "$rm_lcs" >> "$rm_lc"
  rm_lc=$rm_jf rm_lcs=$rm_st
  rm_launch "$rm_state/runs/$rm_so"
  rm_xt=
  [ "$rm_timed" = 1 ] && rm_xt=timedout
  rm_jput x "$rm_rc" "$rm_xt"
  # What the journal now says (rm_meta's variables): this shell's stage under this boot, the output
  # in this shell's file, not released (only this shell's next stage releases it).
  rm_sv=$$ rm_bs=$rm_boot_now rm_of=$rm_so rm_xc=$rm_rc rm_rel=
  rm_answer
}
# rm_chain run timeoutSec payload-flag(p|-) payload nonce stage [when nonce stage]...: detached
# stages one after another with no round trip to the worker between them (issue 12). Each one
# after the first starts only when the one before it ended as "when" says (0: exit status 0 under
# the same boot; 0m: that, or no script); otherwise it and all after it are answered "held" and
# not started. Every stage goes through rm_stage: its claim, re-attach and reply are a single
# request's, so a worker that asks for a stage again (a takeover) finds it as usual.
rm_chain() {
  rm_cr=$1 rm_cto=$2 rm_cpf=$3 rm_cpl=$4
  shift 4
  rm_cn=$1 rm_cs=$2
  shift 2
  rm_cgo=1
  while :; do
    if [ "$rm_cgo" = 1 ]; then
      if [ "$rm_cpf" = p ]; then rm_stage "$rm_cn" "$rm_cr" "$rm_cs" "$rm_cto" detached "$rm_cpl"
      else rm_stage "$rm_cn" "$rm_cr" "$rm_cs" "$rm_cto" detached; fi
    else
      rm_end "$rm_cn" held - -
    fi
    [ $# -ge 3 ] || return 0
    case $1:$rm_last in 0:ok|0m:ok|0m:missing) ;; *) rm_cgo=0 ;; esac
    rm_cn=$2 rm_cs=$3
    shift 3
  done
}
`
