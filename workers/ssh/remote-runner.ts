/**
 * The detached stage runner: a POSIX sh program sent with every stage (nothing to install on the
 * hosts beyond sh, coreutils and util-linux's `setsid` and `flock`).
 *
 * Per stage it keeps a directory `<stateDir>/runs/<runId>/<hostId>/<Stage>/`; creating it (rename,
 * atomic) is the right to start the stage, so a stage runs at most once per host and run whatever
 * happens to workers and connections. A supervisor, detached from the SSH session in a session of
 * its own, runs the script in its own process group, enforces the timeout by killing that whole
 * group, and records pgid, boot id, output and the exit status (written last).
 * It holds an exclusive flock on `lock` for its lifetime; whoever waits (the starting worker, or a
 * worker re-attaching after a crash or a dropped connection) blocks on a shared flock: no polling.
 *
 * Output protocol: stdout = the last 64 KiB of the script's output; stderr =
 * `ROLLMAINT-STATUS <kind> <exitCode|-> <bootIdAtStart|-> <bootIdNow>` with kind = exited |
 * timeout | vanished | missing. Timing is measured by the worker, which also waits for the stage.
 */
export const RUNNER_PROGRAM = String.raw`
set -u
state_dir=$1 run_id=$2 host_id=$3 stage=$4 hooks_dir=$5 timeout=$6 boot_id_path=$7 host_name=$8
has_payload=0 payload=
if [ $# -ge 9 ]; then has_payload=1 payload=$9; fi
dir=$state_dir/runs/$run_id/$host_id/$stage
# Builtins wherever possible: on some hosts every fork costs milliseconds, and this runs per stage.
boot_now=unknown
[ -r "$boot_id_path" ] && read -r boot_now < "$boot_id_path"

status() { printf 'ROLLMAINT-STATUS %s %s %s %s\n' "$1" "$2" "$3" "$boot_now" >&2; }

supervisor='
dir=$1 script=$2 timeout=$3 has_payload=$4 payload=$5
if [ "$has_payload" = 1 ]; then
  setsid "$script" "$payload" >> "$dir/output" 2>&1 < /dev/null 9>&- &
else
  setsid "$script" >> "$dir/output" 2>&1 < /dev/null 9>&- &
fi
pid=$!
echo "$pid" > "$dir/pgid"
echo "$$" > "$dir/supervisor"
setsid sh -c '"'"'sleep "$1"; : > "$2/timedout"; kill -s TERM -- -"$3" 2>/dev/null; sleep 5; kill -s KILL -- -"$3" 2>/dev/null'"'"' watchdog "$timeout" "$dir" "$pid" < /dev/null > /dev/null 2>&1 9>&- &
wpid=$!
echo "$wpid" > "$dir/watchdog"
wait "$pid"; rc=$?
if [ -e "$dir/timedout" ]; then wait "$wpid"; else kill -s TERM -- -"$wpid" 2>/dev/null; fi
echo "$rc" > "$dir/exit"
'

if [ ! -d "$dir" ]; then
  script=
  for f in "$hooks_dir/$stage" "$hooks_dir/$stage.sh" "$hooks_dir/$stage.py"; do
    if [ -f "$f" ] && [ -x "$f" ]; then script=$f; break; fi
  done
  if [ -z "$script" ]; then status missing - - ; exit 0; fi
  [ -d "$state_dir/runs/$run_id/$host_id" ] || mkdir -p "$state_dir/runs/$run_id/$host_id" || exit 90
  # The lock is taken in a private directory that is then renamed into place: whoever sees the
  # stage directory also finds its lock held, and rename is the atomic claim of the stage.
  tmp=$dir.$$.tmp
  mkdir "$tmp" || exit 90
  exec 9> "$tmp/lock"
  flock -x 9 || exit 91
  printf '%s\n' "$boot_now" > "$tmp/boot_id"
  : > "$tmp/output"
  if mv -T "$tmp" "$dir" 2>/dev/null; then
    export ROLLMAINT_STAGE="$stage" ROLLMAINT_RUN_ID="$run_id" ROLLMAINT_HOST_ID="$host_id" ROLLMAINT_HOST_NAME="$host_name" ROLLMAINT_PAYLOAD="$payload"
    cd "$hooks_dir" || exit 92
    setsid sh -c "$supervisor" supervise "$dir" "$script" "$timeout" "$has_payload" "$payload" < /dev/null > /dev/null 2>&1 &
  else
    rm -rf "$tmp"
  fi
  exec 9>&-
fi

# Attach: wait for the supervisor to let go of the lock, then report what it recorded: the status
# line on stderr first, then the output tail by exec (one process fewer on every stage).
flock -s "$dir/lock" true 2>/dev/null
boot_start=-
[ -r "$dir/boot_id" ] && read -r boot_start < "$dir/boot_id"
if [ -s "$dir/exit" ]; then
  read -r rc < "$dir/exit"
  if [ -e "$dir/timedout" ]; then kind=timeout; else kind=exited; fi
  status "$kind" "$rc" "$boot_start"
else
  status vanished - "$boot_start"
fi
exec tail -c 65536 "$dir/output" 2>/dev/null
`

/**
 * `executor: direct`: the script runs inside the exec channel itself, its output streamed back,
 * still in a process group of its own so a timeout kills the whole tree. No state on the host, so
 * nothing to re-attach to after a dropped connection.
 */
export const DIRECT_PROGRAM = String.raw`
set -u
hooks_dir=$1 stage=$2 timeout=$3 run_id=$4 host_id=$5 host_name=$6
has_payload=0 payload=
if [ $# -ge 7 ]; then has_payload=1 payload=$7; fi
script=
for f in "$hooks_dir/$stage" "$hooks_dir/$stage.sh" "$hooks_dir/$stage.py"; do
  if [ -f "$f" ] && [ -x "$f" ]; then script=$f; break; fi
done
if [ -z "$script" ]; then printf 'ROLLMAINT-STATUS missing - - -
' >&2; exit 0; fi
export ROLLMAINT_STAGE="$stage" ROLLMAINT_RUN_ID="$run_id" ROLLMAINT_HOST_ID="$host_id" ROLLMAINT_HOST_NAME="$host_name" ROLLMAINT_PAYLOAD="$payload"
cd "$hooks_dir" || exit 92
marker=/tmp/rollmaint-timedout.$$
if [ "$has_payload" = 1 ]; then setsid "$script" "$payload" 2>&1 < /dev/null & else setsid "$script" 2>&1 < /dev/null & fi
pid=$!
setsid sh -c 'sleep "$1"; : > "$3"; kill -s TERM -- -"$2" 2>/dev/null; sleep 5; kill -s KILL -- -"$2" 2>/dev/null' watchdog "$timeout" "$pid" "$marker" < /dev/null > /dev/null 2>&1 &
wpid=$!
wait "$pid"; rc=$?
if [ -e "$marker" ]; then wait "$wpid"; rm -f "$marker"; kind=timeout; else kill -s TERM -- -"$wpid" 2>/dev/null; kind=exited; fi
printf 'ROLLMAINT-STATUS %s %s - -
' "$kind" "$rc" >&2
`

export const CLEANUP_PROGRAM = String.raw`
[ -d "$1/runs" ] || exit 0
find "$1/runs" -mindepth 1 -maxdepth 1 -type d -mtime +"$2" -exec rm -rf {} +
`

/** Single-quotes one argument for the remote user's shell: the only quoting rule that needs no escaping inside. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}

/** The command line sent over SSH: every value quoted, the payload one argument, byte for byte. */
export function runnerCommand(program: string, args: string[]): string {
  for (const a of args) {
    if (a.includes('\0')) throw new Error('a stage argument (payload) cannot contain a NUL byte')
  }
  return ['sh', '-c', shellQuote(program), 'rollmaint-runner', ...args.map(shellQuote)].join(' ')
}
