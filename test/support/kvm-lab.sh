#!/bin/bash
# kvm-lab: N simulated KVM hypervisor hosts on one Linux box, each with its own
# real libvirtd (QEMU driver) and its own sshd, for live-migration tests.
# rollmaint's copy of ../shared/kvm-lab/lab.sh (the project owns what its tests run);
# driven from test/support/kvm-lab.ts. Changes from the reference: libvirtd-stop/-start
# (failure tests), a hooks and state directory per host for rollmaint's stage scripts,
# sshd sessions get a HOME of their own, no `demo` (bc-free), `destroy` of one VM.
#
#   kvm-lab.sh start [N]        start N hosts (default 3): h1..hN
#   kvm-lab.sh stop             destroy VMs, kill every lab process (by PID), remove state
#   kvm-lab.sh status           show hosts, pids, domains
#   kvm-lab.sh ssh hI CMD...    run CMD on host hI over its sshd
#   kvm-lab.sh vm hI NAME [MiB] define+start a tiny diskless VM on hI (persistent)
#   kvm-lab.sh setmem hI TOTAL_MiB FREE_MiB   fake hI's /proc/meminfo (virsh nodememstats)
#   kvm-lab.sh realmem hI       undo setmem: the host sees the machine's real memory again
#   kvm-lab.sh reset            destroy and undefine every VM of every host, real memory everywhere
#   kvm-lab.sh libvirtd-stop hI   kill hI's libvirtd (its VMs keep running, as on a real host)
#   kvm-lab.sh libvirtd-start hI  start it again (it re-attaches to the running VMs)
#
# Requires root and: qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu
# libvirt-clients openssh-server openssh-client (util-linux for unshare).
#
# Each host hI = one mount+UTS+PID namespace (network namespace shared; host I owns
#   loopback address 127.0.10.I): hostname hI, private /proc and tmpfs /run, bind mounts
#   over /etc/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt,
#   /etc/ssh/ssh_config, /etc/hosts, /etc/passwd+group (adds libvirt-qemu). PID 1 is a
#   perl reaper. libvirtd.conf: distinct host_uuid; qemu.conf: root, no cgroups/security
#   driver, migration_host/address 127.0.10.I, distinct migration port range.
#   sshd listens on 127.0.10.I:$((SSH_BASE+I)); its sessions live in the namespace,
#   so `virsh -c qemu:///system ...` over ssh talks to that host's libvirtd.
# Inside every host, /etc/ssh/ssh_config knows h1..hN and 127.0.10.1..N, so
#   virsh migrate --live --persistent --undefinesource vm qemu+ssh://h2/system
# works from any host (also qemu+ssh://root@127.0.10.2/system).
# From outside: ssh -F $LAB_DIR/ssh_config h1 ...  (or key/known_hosts files printed).
# rollmaint sees host I at $NET.I:$((SSH_BASE+I)) with hooks in $LAB_DIR/hI/hooks and
#   stage-runner state in $LAB_DIR/hI/state (printed by start/status as hooks= state=).
#
# Environment knobs: LAB_DIR (state dir, default /tmp/kvm-lab/state),
#   LAB_SSH_BASE (22100), LAB_MIG_BASE (31100; host I uses MIG_BASE+10*I..+9),
#   LAB_NET (127.0.10), LAB_VIRT_TYPE (kvm|qemu; default kvm if /dev/kvm writable, else TCG).
set -u
LAB_DIR=${LAB_DIR:-/tmp/kvm-lab/state}
SSH_BASE=${LAB_SSH_BASE:-22100}
MIG_BASE=${LAB_MIG_BASE:-31100}
NET=${LAB_NET:-127.0.10}   # host I gets address $NET.I (any 127/8 address works on lo)
SELF=$(readlink -f "$0")

die() { echo "lab: $*" >&2; exit 1; }
hosts() { cat "$LAB_DIR/hosts" 2>/dev/null; }
sshh() { local h=$1; shift; ssh -F "$LAB_DIR/ssh_config" "$h" "$@"; }

virt_type() {
  if [ -n "${LAB_VIRT_TYPE:-}" ]; then echo "$LAB_VIRT_TYPE"
  elif [ -w /dev/kvm ]; then echo kvm; else echo qemu; fi
}

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

start() {
  local n=${1:-3} i h H
  [ "$(id -u)" = 0 ] || die "must run as root"
  [ -e "$LAB_DIR/hosts" ] && die "lab already running ($LAB_DIR); run '$0 stop' first"
  for i in $(seq 1 "$n"); do
    port_free $((SSH_BASE + i)) || die "port $((SSH_BASE + i)) busy (set LAB_SSH_BASE)"
    for p in $(seq $((MIG_BASE + 10*i)) $((MIG_BASE + 10*i + 9))); do
      port_free "$p" || die "port $p busy (set LAB_MIG_BASE)"; done
  done
  mkdir -p "$LAB_DIR"; chmod 700 "$LAB_DIR"
  : > "$LAB_DIR/created_dirs"
  # mount points that must exist on the real host (libvirt-daemon-system not installed)
  for d in /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /etc/libvirt; do
    [ -d "$d" ] || { mkdir -p "$d" && echo "$d" >> "$LAB_DIR/created_dirs"; }
  done
  # libvirt's QEMU driver insists that its compiled-in user/group 'libvirt-qemu'
  # exists even when qemu.conf says root; libvirt-daemon-system would create it.
  # Don't touch the real /etc/passwd: bind-mount amended copies inside each host.
  cp /etc/passwd "$LAB_DIR/passwd"; cp /etc/group "$LAB_DIR/group"
  getent passwd libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >> "$LAB_DIR/passwd"
  getent group libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:' >> "$LAB_DIR/group"
  cp /etc/hosts "$LAB_DIR/etc_hosts"
  for i in $(seq 1 "$n"); do echo "$NET.$i h$i" >> "$LAB_DIR/etc_hosts"; done
  ssh-keygen -q -t ed25519 -N '' -C kvm-lab -f "$LAB_DIR/id_ed25519"
  cp "$LAB_DIR/id_ed25519.pub" "$LAB_DIR/authorized_keys"
  : > "$LAB_DIR/known_hosts"
  {
    for i in $(seq 1 "$n"); do
      printf 'Host h%d %s.%d\n  HostName %s.%d\n  Port %d\n  HostKeyAlias h%d\n' "$i" "$NET" "$i" "$NET" "$i" $((SSH_BASE + i)) "$i"
    done
    cat <<EOF
Host *
  User root
  IdentityFile $LAB_DIR/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $LAB_DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  CheckHostIP no
  BatchMode yes
  LogLevel ERROR
EOF
  } > "$LAB_DIR/ssh_config"
  local vt; vt=$(virt_type); echo "$vt" > "$LAB_DIR/virt_type"

  for i in $(seq 1 "$n"); do
    h=h$i; H=$LAB_DIR/$h
    mkdir -p "$H"/{etc-libvirt,lib,cache,log,ssh,hooks,state,home}
    cp -a /etc/libvirt/. "$H/etc-libvirt/" 2>/dev/null || true
    cat > "$H/etc-libvirt/libvirtd.conf" <<EOF
host_uuid = "6b1ab000-0000-4000-8000-$(printf '%012d' "$i")"
listen_tls = 0
listen_tcp = 0
unix_sock_group = "root"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
    cat > "$H/etc-libvirt/qemu.conf" <<EOF
user = "root"
group = "root"
security_driver = "none"
cgroup_controllers = [ ]
stdio_handler = "file"
migration_address = "$NET.$i"
migration_host = "$NET.$i"
migration_port_min = $((MIG_BASE + 10*i))
migration_port_max = $((MIG_BASE + 10*i + 9))
EOF
    ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$H/ssh/ssh_host_ed25519_key"
    echo "$h,[$NET.$i]:$((SSH_BASE + i)) $(cut -d' ' -f1,2 "$H/ssh/ssh_host_ed25519_key.pub")" >> "$LAB_DIR/known_hosts"
    cat > "$H/ssh/sshd_config" <<EOF
Port $((SSH_BASE + i))
ListenAddress $NET.$i
HostKey $H/ssh/ssh_host_ed25519_key
PidFile $H/sshd.pid
AuthorizedKeysFile $LAB_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
UseDNS no
MaxStartups 100:30:200
MaxSessions 100
Subsystem sftp internal-sftp
SetEnv HOME=$H/home
EOF
    cat > "$H/inner.sh" <<EOF
set -e
hostname $h
mount -t tmpfs -o mode=0755,size=64m lab-run /run
mkdir -p /run/sshd /run/libvirt
mount --bind $H/etc-libvirt /etc/libvirt
mount --bind $H/lib /var/lib/libvirt
mount --bind $H/cache /var/cache/libvirt
mount --bind $H/log /var/log/libvirt
mount --bind $LAB_DIR/ssh_config /etc/ssh/ssh_config
mount --bind $LAB_DIR/passwd /etc/passwd
mount --bind $LAB_DIR/group /etc/group
mount --bind $LAB_DIR/etc_hosts /etc/hosts
# share the QEMU capability cache probed by h1 (saves ~1-2 s per extra host)
if [ $i != 1 ] && [ -d $LAB_DIR/h1/cache/qemu/capabilities ]; then
  mkdir -p /var/cache/libvirt/qemu && cp -a $LAB_DIR/h1/cache/qemu/capabilities /var/cache/libvirt/qemu/
fi
/usr/sbin/libvirtd --daemon --pid-file $H/libvirtd.pid
/usr/sbin/sshd -f $H/ssh/sshd_config -E $H/log/sshd.log
echo up > $H/ready
# PID 1 of this host's PID namespace: reap orphans at once. (Daemonized QEMU is
# re-parented to init; libvirt waits until kill(pid,0) fails, i.e. until it is
# reaped -- the real init here reaps lazily, which made every destroy/migration
# confirm take ~1.5 s longer.) TERM => exit => kernel kills the whole namespace.
exec perl -e '\$SIG{TERM} = sub { exit 0 }; while (1) { select(undef, undef, undef, 0.05) if wait() == -1 }'
EOF
    unshare --mount --uts --pid --fork --mount-proc --kill-child=SIGKILL --propagation private \
      /bin/sh "$H/inner.sh" > "$H/inner.log" 2>&1 < /dev/null &
    echo $! > "$H/ns.pid"; disown   # the unshare process: already in the new mount+UTS namespaces
    echo "$h" >> "$LAB_DIR/hosts"
    # h1 first, alone: it fills the capability cache the others copy
    if [ "$i" = 1 ]; then
      wait_ready "$h" || { stop; exit 1; }
      nsenter -t "$(cat "$H/ns.pid")" -m -u virsh -q -c qemu:///system domcapabilities --virttype "$vt" >/dev/null
    fi
  done
  for h in $(hosts); do wait_ready "$h" || { stop; exit 1; }; done
  print_info
}

wait_ready() {
  local h=$1 H=$LAB_DIR/$1 t
  for t in $(seq 1 300); do
    if [ -e "$H/ready" ] && nsenter -t "$(cat "$H/ns.pid")" -m -u virsh -q -c qemu:///system uri >/dev/null 2>&1 \
       && sshh "$h" true 2>/dev/null; then return 0; fi
    kill -0 "$(cat "$H/ns.pid")" 2>/dev/null || { echo "lab: $h died:"; cat "$H/inner.log"; return 1; }
    if [ -e "$H/ready" ] && [ ! -s "$H/libvirtd.pid" ]; then   # libvirtd removes it on exit
      echo "lab: $h libvirtd died:"; grep -i error "$H/log/libvirtd.log" | tail -5; return 1; fi
    sleep 0.1
  done
  echo "lab: $h not ready after 30s"; cat "$H/inner.log"; tail -n 5 "$H/log/libvirtd.log" "$H/log/sshd.log"; ls -la "$H"; return 1
}

print_info() {
  local h H
  echo "virt_type=$(cat "$LAB_DIR/virt_type") ssh_config=$LAB_DIR/ssh_config key=$LAB_DIR/id_ed25519 known_hosts=$LAB_DIR/known_hosts"
  for h in $(hosts); do
    H=$LAB_DIR/$h
    printf '%s ssh=%s:%s unshare_pid=%s hooks=%s state=%s hostkey=%s\n' "$h" \
      "$(awk '/^ListenAddress/{print $2}' "$H/ssh/sshd_config")" "$(awk '/^Port/{print $2}' "$H/ssh/sshd_config")" "$(cat "$H/ns.pid")" \
      "$H/hooks" "$H/state" "$(cut -d' ' -f1,2 "$H/ssh/ssh_host_ed25519_key.pub")"
  done
}

# all PIDs living in host h's UTS namespace: libvirtd, sshd + its sessions, qemu
# (libvirt puts QEMU in a child *mount* namespace, but it keeps the UTS one), sleep
ns_pids() {
  local H=$LAB_DIR/$1 nspid ns p
  nspid=$(cat "$H/ns.pid" 2>/dev/null) || return 0
  ns=$(readlink "/proc/$nspid/ns/uts" 2>/dev/null) || return 0
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/uts" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
  done
}

stop() {
  [ -d "$LAB_DIR" ] || { echo "lab: nothing to stop"; return 0; }
  local h H d pids p t nspid dpids=""
  # 1) destroy domains through each libvirtd (clean QEMU shutdown), hosts in parallel
  for h in $(hosts); do
    H=$LAB_DIR/$h
    nspid=$(cat "$H/ns.pid" 2>/dev/null) || continue
    kill -0 "$nspid" 2>/dev/null || continue
    ( for d in $(nsenter -t "$nspid" -m -u virsh -q -c qemu:///system list --name 2>/dev/null); do
        nsenter -t "$nspid" -m -u virsh -q -c qemu:///system destroy "$d" >/dev/null 2>&1
      done ) &
    dpids="$dpids $!"
  done
  [ -n "$dpids" ] && wait $dpids   # not a bare wait: 'demo' also has the unshares as jobs
  # 2) kill each host's unshare process: --kill-child SIGKILLs the namespace's PID 1,
  #    and the kernel then kills everything in that PID namespace (libvirtd, sshd,
  #    sessions, QEMU). Second round: sweep anything left in the host's UTS namespace.
  for round in 1 2; do
    pids=""
    for h in $(hosts); do
      pids="$pids $(cat "$LAB_DIR/$h/ns.pid" 2>/dev/null) $(ns_pids "$h")"
    done
    pids=$(echo $pids)
    [ -z "$pids" ] && break
    kill -KILL $pids 2>/dev/null
    for t in $(seq 1 100); do
      alive=""; for p in $pids; do [ -e /proc/$p ] && alive="$alive $p"; done
      [ -z "$alive" ] && break; sleep 0.05
    done
  done
  # 3) namespaces (and their tmpfs/bind mounts) vanish with their last process
  while read -r d; do rmdir "$d" 2>/dev/null; done < "$LAB_DIR/created_dirs" 2>/dev/null
  rm -rf "$LAB_DIR"
  echo "lab: stopped"
}

status() {
  [ -e "$LAB_DIR/hosts" ] || { echo "lab: not running"; return 1; }
  print_info
  for h in $(hosts); do echo "== $h: $(sshh "$h" 'hostname; virsh -q list --all' | tr '\n' ' ')"; done
}

vm() {
  local h=$1 name=$2 mem=${3:-64} vt
  vt=$(cat "$LAB_DIR/virt_type")
  sshh "$h" "cat > /tmp/.lab-$name.xml.\$\$ && virsh -q define /tmp/.lab-$name.xml.\$\$ >/dev/null && rm -f /tmp/.lab-$name.xml.\$\$ && virsh -q start $name" <<EOF
<domain type='$vt'>
  <name>$name</name>
  <memory unit='MiB'>$mem</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
    <serial type='pty'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

# Fake this host's /proc/meminfo (what `virsh nodememstats` and `free` read), so
# capacity checks can see different hosts. Note: `virsh nodeinfo` is NOT affected.
setmem() {
  local h=$1 total=$2 free=$3 H=$LAB_DIR/$1 nspid
  nspid=$(cat "$H/ns.pid") || die "no host $h"
  awk -v t=$((total*1024)) -v f=$((free*1024)) '
    /^MemTotal:/ {printf "MemTotal:       %10d kB\n", t; next}
    /^MemFree:/ {printf "MemFree:        %10d kB\n", f; next}
    /^MemAvailable:/ {printf "MemAvailable:   %10d kB\n", f; next}
    /^(Buffers|Cached):/ {printf "%-15s %10d kB\n", $1, 0; next}
    {print}' /proc/meminfo > "$H/meminfo.new"
  # rewrite in place (same inode) so an existing bind mount sees the new values
  if [ -e "$H/meminfo" ]; then cat "$H/meminfo.new" > "$H/meminfo"; rm -f "$H/meminfo.new"
  else mv "$H/meminfo.new" "$H/meminfo"
       nsenter -t "$nspid" -m mount --bind "$H/meminfo" /proc/meminfo; fi
}

realmem() {
  local h=$1 H=$LAB_DIR/$1
  [ -e "$H/meminfo" ] || return 0
  # inside the host's PID namespace too: umount reads /proc/self, which only exists for its own processes
  nsenter -t "$(ns_init "$h")" -m -p umount /proc/meminfo && rm -f "$H/meminfo"
}

reset() {
  local h nspid d
  for h in $(hosts); do
    nspid=$(cat "$LAB_DIR/$h/ns.pid")
    for d in $(nsenter -t "$nspid" -m -u virsh -q -c qemu:///system list --all --name); do
      nsenter -t "$nspid" -m -u virsh -q -c qemu:///system destroy "$d" >/dev/null 2>&1
      nsenter -t "$nspid" -m -u virsh -q -c qemu:///system undefine "$d" >/dev/null 2>&1
    done
    realmem "$h"
  done
}

# libvirtd of one host: stop (QEMU processes survive, like a crashed or stopped daemon on a real
# host) and start (it reconnects to the running VMs from its state in /run/libvirt).
# PID 1 of host h's PID namespace (the unshare process itself stays in ours, so its pid must not
# be used with nsenter -p: pids in the namespace's pid files would then name our processes).
ns_init() {
  local unshare_pid init
  unshare_pid=$(cat "$LAB_DIR/$1/ns.pid" 2>/dev/null) || die "no host $1"
  init=$(cut -d' ' -f1 "/proc/$unshare_pid/task/$unshare_pid/children" 2>/dev/null)
  [ -n "$init" ] || die "host $1 is not running"
  echo "$init"
}

libvirtd_stop() {
  local h=$1 H=$LAB_DIR/$1 init
  init=$(ns_init "$h")
  # libvirtd's orderly shutdown took over 5 s on a loaded machine: 30 s for TERM, then KILL (its
  # VMs keep running either way).
  nsenter -t "$init" -m -u -p sh -c 'p=$(cat '"$H"'/libvirtd.pid 2>/dev/null) || exit 0; kill "$p" 2>/dev/null; for i in $(seq 1 300); do kill -0 "$p" 2>/dev/null || exit 0; sleep 0.1; done; kill -9 "$p" 2>/dev/null; for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || exit 0; sleep 0.1; done; exit 1' \
    || die "libvirtd of $h did not stop"
}

libvirtd_start() {
  local h=$1 H=$LAB_DIR/$1 init t
  init=$(ns_init "$h")
  nsenter -t "$init" -m -u -p /usr/sbin/libvirtd --daemon --pid-file "$H/libvirtd.pid"
  for t in $(seq 1 100); do
    nsenter -t "$init" -m -u virsh -q -c qemu:///system uri >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "libvirtd of $h did not come back"
}

cmd=${1:-}; shift || true
case "$cmd" in
  start) start "$@" ;;
  stop) stop ;;
  status) status ;;
  ssh) h=$1; shift; sshh "$h" "$@" ;;
  vm) vm "$@" ;;
  setmem) setmem "$@" ;;
  realmem) realmem "$@" ;;
  reset) reset ;;
  libvirtd-stop) libvirtd_stop "$@" ;;
  libvirtd-start) libvirtd_start "$@" ;;
  *) sed -n '2,40p' "$SELF"; exit 2 ;;
esac
