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
 * status, replies) is shell builtins, and a run creates no directory: every stage's files sit
 * directly in `<stateDir>/runs/`, which the session's start makes once per host (a `mkdir` per run
 * was a host process per run, issue 16).
 *
 * A stage's files are `<stateDir>/runs/<runId>.<hostKey>.<Stage>.<file>` (the names:
 * workers/ssh/stage-files.ts; hostKey is the host id with `/` and `%` encoded, `rm_hk`): `claim`
 * (created exclusively: a stage runs at most once per host and run; its first line names the shell
 * that starts the stage, the boot id and the output file, its second, appended once the script
 * runs, the script's pid, deadline and process group, its third, appended last, the exit status).
 * The output goes to one file per runner shell, `runs/session.<boot>.<clock>.<pid>.output`, emptied
 * for each stage it starts (rm_outfile): one file created per stage, not six, since on some hosts a
 * file creation costs more than the script's start (issue 12). A worker re-attaching after a crash
 * or a lost connection sends the same request on a new shell: it finds the claim and waits for the
 * running process to end (rm_attach), then reports what the first shell recorded. A shell that dies with its stage (a reboot) leaves no exit status:
 * the stage is reported `vanished` with both boot ids. Stages started by older runners are
 * re-attached to where they are: with files of their own for the boot id, group, status and
 * timeout mark, or in a directory per stage (`<stateDir>/runs/<runId>/<hostId>/<Stage>/<file>`).
 *
 * The shell survives a dropped connection (sshd sends no hangup to a session without a pty): it
 * keeps waiting for its stage and keeps its timeout, records the exit status, and only then dies
 * writing its reply. Only while that shell lives is the timeout kept on the host: a shell killed on
 * purpose leaves its stage to the worker, which re-attaches and reports it when it ends.
 *
 * `direct` mode runs the script in the foreground of the same shell, its output streamed through
 * the channel, with only a `claim` kept on the host: a second request for a claimed stage (after a
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
rm_boot() {
  rm_boot_now=
  if [ -r "$rm_boot_path" ]; then read -r rm_boot_now < "$rm_boot_path" || :; fi
  [ -n "$rm_boot_now" ] || rm_boot_now=unknown
}
# Centiseconds since boot, builtins only (-1 when /proc/uptime is not there).
rm_clock() {
  rm_t=-1 rm_up=
  if [ -r /proc/uptime ]; then read -r rm_up rm_idle < /proc/uptime || :; fi
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
  # is older than $2 days goes. A running stage's claim is younger: a stage times out within 7
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
# What the claim says of its stage: line 1, the supervising shell, the boot id at the start and the
# file that holds the output (rm_sv, rm_bs, rm_of: that shell's, in runs/; none: the stage's own
# .output); line 2, once started, the script's pid and, when this shell keeps its timeout,
# the deadline in centiseconds since boot and the process group the timeout signals (rm_pg,
# rm_pdl, rm_pgg: the script's own, or the supervising shell's); line 3, written last, the exit
# status and "timedout" when the timeout ended it (rm_xc, rm_xt); line 4, "released" once the
# shell's next stage reuses the output file (rm_rel). Where line 2 names no group, the
# script's pid is its group's. An older runner kept the boot id, the group, the status and the
# timeout mark in files of their own, which a stage it started still has.
rm_meta() {
  rm_sv= rm_bs= rm_of= rm_pg= rm_pdl= rm_pgg= rm_xc= rm_xt= rm_rel=
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
    # claim released: read first, then the claim is looked at again (rare: a re-attach).
    rm_o=$(tail -c 65536 "$rm_out" < /dev/null; echo x)
    { read -r rm_z; read -r rm_z; read -r rm_z; read -r rm_rel; } < "$rm_p"claim || :
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
# The right to start the stage: the claim file, created exclusively (O_EXCL), naming this shell.
rm_excl() {
  set -C
  { printf '%s %s %s\n' "$$" "$rm_boot_now" "$rm_cof" > "$rm_p"claim; } 2>/dev/null
  rm_c=$?
  set +C
  return $rm_c
}
# 0: claimed; 1: someone else's claim is there; 2: none can be made (answered as error 90). runs/
# is made at the session's start; only if it went away since is it made again here (a process).
rm_claim() {
  rm_excl && return 0
  [ -e "$rm_p"claim ] && return 1
  mkdir -p "$rm_state/runs" < /dev/null 2>/dev/null && rm_excl && return 0
  [ -e "$rm_p"claim ] && return 1
  printf 'cannot create %sclaim\n' "$rm_p"
  return 2
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
  if [ -e "$rm_p"claim ]; then rm_end "$rm_n" unknown - -; return; fi
  if ! rm_find "$rm_st"; then rm_end "$rm_n" missing - -; return; fi
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
rm_so= rm_lc=
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
  rm_p=$rm_state/runs/$rm_run.$rm_hk.$rm_st.
  # A stage an older runner started (a directory per stage) is answered from its own files: a
  # worker upgraded while a stage runs re-attaches to it instead of starting it again.
  if [ ! -e "$rm_p"claim ] && [ -e "$rm_state/runs/$rm_run/$rm_host/$rm_st/claim" ]; then
    rm_p=$rm_state/runs/$rm_run/$rm_host/$rm_st/
  fi
  if [ "$rm_mode" = direct ]; then rm_direct; return; fi
  if [ -e "$rm_p"claim ]; then rm_attach; return; fi
  if ! rm_find "$rm_st"; then rm_end "$rm_n" missing - -; rm_last=missing; return; fi
  rm_outfile
  rm_cof=$rm_so
  rm_claim
  case $? in 0) ;; 1) rm_attach; return ;; *) rm_end "$rm_n" error 90 -; return ;; esac
  # The output file passes to this stage: the one before it that had it is marked released first.
  [ -n "$rm_lc" ] && [ -e "$rm_lc" ] && printf 'released\n' >> "$rm_lc"
  rm_lc="$rm_p"claim
  rm_launch "$rm_state/runs/$rm_so"
  rm_xt=
  [ "$rm_timed" = 1 ] && rm_xt=timedout
  printf '%s%s\n' "$rm_rc" "${BRACE}rm_xt:+ $rm_xt}" >> "$rm_p"claim
  # What the claim now says (rm_meta's variables): this shell's stage under this boot, the output in
  # this shell's file, not released (only this shell's next stage releases it).
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
