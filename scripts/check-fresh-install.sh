#!/usr/bin/env bash
# check-fresh-install.sh — prove README's two commands work on a fresh Debian 12 machine: build a
# minimal bookworm root with mmdebstrap (apt and git only, from this machine's apt sources), clone
# the repository's committed HEAD (or --rev REV) into it and run inside it, under chroot:
# scripts/quickstart.sh, scripts/test.sh, a plot of a one-epoch run (scripts/plot-run), then each
# SCRIPT given (CI adds scripts/test-sanitizers.sh and scripts/fuzz.sh). Prints each step's time
# and the last lines of its log; a failed step is named with the tail of its log. The root is
# removed at the end, also on failure or Ctrl-C.
# Needs root (mmdebstrap, mount, chroot) and about 6 GB under $TMPDIR (default /tmp).
# CMAKE_BUILD_PARALLEL_LEVEL, CTEST_PARALLEL_LEVEL, OMP_NUM_THREADS and FUZZ_SECONDS are passed in.
# Usage: scripts/check-fresh-install.sh [--rev REV] [SCRIPT...]
set -euo pipefail

rev=HEAD
if [[ ${1:-} == --rev ]]; then rev=${2:?--rev needs a revision}; shift 2; fi
readonly repo="$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)"
rev="$(git -C "$repo" rev-parse --verify "$rev^{commit}")"
readonly rev extra_scripts=("$@")
if [[ $(id -u) -ne 0 ]]; then
  echo "check-fresh-install.sh: needs root (mmdebstrap, mount, chroot)" >&2
  exit 2
fi
# The fresh root gets the same Debian mirror as this machine.
sources=()
for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  if [[ -f $file ]] && grep -q '^[^#[:space:]]' "$file"; then sources+=("$file"); fi
done
if [[ ${#sources[@]} -eq 0 ]]; then
  echo "check-fresh-install.sh: no apt sources found in /etc/apt" >&2
  exit 2
fi

root="$(mktemp -d --tmpdir relunet-fresh-root.XXXXXX)"
readonly root logs="$root.logs"
mkdir "$logs"
mounts=()
step_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # A step still running (Ctrl-C) is its own process group: stop it before unmounting.
  if [[ -n $step_pid ]] && kill -0 "$step_pid" 2>/dev/null; then
    kill -TERM -- "-$step_pid" 2>/dev/null || true
    wait "$step_pid" 2>/dev/null || true
  fi
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount --lazy "${mounts[i]}"
  done
  # --one-file-system: never follow a mount that failed to come off into the host's /proc or /dev.
  rm -rf --one-file-system "$root" "$logs"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

steps=()
# run_step NAME COMMAND...: runs COMMAND with its output in a log; on failure names the step and
# shows the log's tail, then exits.
run_step() {
  local name=$1 log="$logs/step-$((${#steps[@]} + 1)).log" start=$SECONDS status=0
  shift
  echo "check-fresh-install.sh: $name ..."
  setsid "$@" >"$log" 2>&1 </dev/null &
  step_pid=$!
  wait "$step_pid" || status=$?
  step_pid=""
  local took=$((SECONDS - start))
  if [[ $status -ne 0 ]]; then
    echo "check-fresh-install.sh: FAILED: $name (exit $status after $took s); last 40 lines:" >&2
    tail -n 40 "$log" | sed 's/^/  | /' >&2
    exit 1
  fi
  tail -n 3 "$log" | sed 's/^/  | /'
  echo "check-fresh-install.sh: ok: $name ($took s)"
  steps+=("$(printf '%5d s  %s' "$took" "$name")")
}

mount_in_root() {  # mount_in_root TYPE TARGET [OPTIONS]
  mount -t "$1" ${3:+-o "$3"} "$1" "$root/$2"
  mounts+=("$root/$2")
}

in_root=()  # the command prefix that runs a command inside the root
in_clone() {  # in_clone NAME [COMMAND]: runs COMMAND (default: NAME) in the clone, as a step
  run_step "$1" "${in_root[@]}" bash -c "set -euo pipefail; cd /root/relunet; ${2:-$1}"
}

# One function, parsed whole before it runs: editing this file during a run cannot derail it.
main() {
  local total_start=$SECONDS var script
  echo "check-fresh-install.sh: commit $(git -C "$repo" log -1 --format='%h %s' "$rev" | cut -c1-72)"
  echo "check-fresh-install.sh: root $root, apt sources ${sources[*]}"
  # force-unsafe-io: dpkg syncs no file, here and in the root's later installs; the root is
  # thrown away, so the syncs would only slow every install down on a busy disk.
  run_step "build a Debian 12 root (mmdebstrap --variant=apt, plus git)" \
    mmdebstrap --variant=apt --include=git,ca-certificates --dpkgopt=force-unsafe-io \
      bookworm "$root" "${sources[@]}"
  run_step "clone $(git -C "$repo" rev-parse --short "$rev") into the root" \
    bash -c "git clone --quiet --no-checkout '$repo' '$root/root/relunet' &&
             git -C '$root/root/relunet' checkout --quiet --detach '$rev'"
  # mmdebstrap made /dev's nodes; the tests also need /proc and /sys (OpenMP, oneDNN's CPU
  # detection), ptys and /dev/shm.
  mount_in_root proc proc
  mount_in_root sysfs sys
  mount_in_root devpts dev/pts newinstance,ptmxmode=0666
  mount_in_root tmpfs dev/shm mode=1777
  in_root=(chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb
           PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
  for var in CMAKE_BUILD_PARALLEL_LEVEL CTEST_PARALLEL_LEVEL OMP_NUM_THREADS FUZZ_SECONDS; do
    if [[ -n ${!var:-} ]]; then in_root+=("$var=${!var}"); fi
  done
  in_clone scripts/quickstart.sh
  in_clone scripts/test.sh
  # The plots' dependencies: one epoch of models/tiny.json on the sample images, then its plots.
  in_clone "scripts/plot-run on a one-epoch run" 'data=$(mktemp -d) && for image in models/samples/*; do
              class=$(basename "${image%%-*}"); mkdir -p "$data/$class"; cp "$image" "$data/$class/"
            done && build/relunet train --model tiny --data "$data" --val-size 2 --epochs 1 \
              --batch 8 --out "$data/run" && scripts/plot-run "$data/run" && ls "$data/run"/*.png'
  for script in "${extra_scripts[@]}"; do in_clone "$script"; done

  echo "check-fresh-install.sh: passed in $((SECONDS - total_start)) s:"
  printf '%s\n' "${steps[@]}"
}
main; exit
