# A Slurm cluster of one node on localhost, for tests: its own munge daemon, config, spool
# folders, ports and logs under one folder, so that it disturbs nothing else on the machine
# (not even another Slurm). Needs root (slurmd runs jobs as their user) and the Debian
# packages slurmd, slurmctld, slurm-client and munge (tools/setup.sh).
#
#   source tests/slurm/local_cluster.sh
#   start_local_cluster      # exports SLURM_CONF; sbatch and srun work
#   srun -n 2 hostname
#   stop_local_cluster       # also run by the EXIT, TERM and INT traps it sets
#
# Everything lives in a fresh folder /tmp/slurm.XXXXXX ($LOCAL_CLUSTER_DIR; logs in it), short
# because munge's and slurmstepd's Unix socket paths must fit in 108 bytes. The node offers
# this machine's cores (nproc) as CPUs.

# A TCP port no one listens on now.
local_cluster_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_local_cluster() {
  local dir host cpus
  host=$(hostname)
  cpus=$(nproc)
  export PATH="$PATH:/usr/sbin:/sbin"  # the daemons' folder, not on a test's PATH
  for tool in munged slurmctld slurmd srun sbatch sinfo; do
    command -v "$tool" > /dev/null || { echo "local_cluster: $tool is missing: run tools/setup.sh" >&2; return 1; }
  done
  [[ $(id -u) == 0 ]] || { echo "local_cluster: slurmd needs root" >&2; return 1; }
  dir=$(mktemp -d /tmp/slurm.XXXXXX)
  mkdir -p "$dir/munge" "$dir/ctld" "$dir/d"
  LOCAL_CLUSTER_DIR=$dir
  trap stop_local_cluster EXIT
  # A test killed on its timeout gets SIGTERM first: stop the daemons then too.
  trap 'stop_local_cluster; exit 143' TERM INT

  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  munged --force --socket="$dir/munge/socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/seed" 2> "$dir/munge/start.log" || {
    cat "$dir/munge/start.log" >&2
    return 1
  }

  cat > "$dir/slurm.conf" <<CONF
ClusterName=mammotest
SlurmctldHost=$host
SlurmctldPort=$(local_cluster_free_port)
SlurmdPort=$(local_cluster_free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$host CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -i 2> "$dir/slurmctld.start.log" || { cat "$dir/slurmctld.start.log" >&2; return 1; }
  slurmd 2> "$dir/slurmd.start.log" || { cat "$dir/slurmd.start.log" >&2; return 1; }
  local i
  for i in $(seq 1 100); do
    if [[ $(sinfo -h -o %t 2> /dev/null) == idle ]]; then return 0; fi
    sleep 0.1
  done
  echo "local_cluster: the node did not come up in 10 s; $dir/slurmd.log says:" >&2
  tail -5 "$dir/slurmd.log" "$dir/slurmctld.log" >&2
  return 1
}

# Stops what start_local_cluster started, by the pids in its pid files, and removes its folder.
stop_local_cluster() {
  local dir=${LOCAL_CLUSTER_DIR:-} pidfile pid
  [[ -n $dir ]] || return 0
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2> /dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
    rm -f "$pidfile"
  done
  rm -rf "$dir"
  LOCAL_CLUSTER_DIR=
}
