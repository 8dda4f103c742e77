#!/usr/bin/env bash
# get-cifar10.sh — put the CIFAR-10 binary batches where relunet looks by default
# (data/cifar-10-batches-bin): download the official archive, unpack a local copy of it, or
# link an existing folder. Never deletes or overwrites anything that was already there.
set -euo pipefail

readonly URL="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
readonly MD5="c32a1d4ab5d03f1284b67883e8d87530"  # the official archive
readonly BATCH_BYTES=30730000                      # 10000 records of 1 + 3072 bytes
readonly TRAIN_FILES="data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin"

usage() {
  cat <<USAGE
usage: scripts/get-cifar10.sh [--dest DIR] [ARCHIVE.tar.gz | DIR]

Installs CIFAR-10 (binary version) as DEST/cifar-10-batches-bin (DEST defaults to data/).
  no argument      download $URL
  ARCHIVE.tar.gz   verify and unpack a local copy of that archive
  DIR              check a folder holding data_batch_1..5.bin (and test_batch.bin) and link it
USAGE
}

die() {
  echo "get-cifar10: error: $*" >&2
  exit 1
}

note() { echo "get-cifar10: $*"; }

dest="data"
source_path=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --dest) [[ $# -ge 2 ]] || die "--dest needs a directory"; dest="$2"; shift 2 ;;
    --dest=*) dest="${1#--dest=}"; shift ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) [[ -z "$source_path" ]] || die "only one ARCHIVE or DIR may be given"; source_path="$1"; shift ;;
  esac
done
readonly target="$dest/cifar-10-batches-bin"

file_bytes() { wc -c <"$1" | tr -d ' '; }

# Prints every problem with the batch files in $1; succeeds when the training batches are
# complete and test_batch.bin, if present, is too.
check_batches() {
  local dir="$1" ok=0 name
  for name in $TRAIN_FILES test_batch.bin; do
    if [[ ! -f "$dir/$name" ]]; then
      [[ "$name" == test_batch.bin ]] || { echo "  missing $dir/$name" >&2; ok=1; }
    elif [[ "$(file_bytes "$dir/$name")" != "$BATCH_BYTES" ]]; then
      echo "  $dir/$name has $(file_bytes "$dir/$name") bytes, expected $BATCH_BYTES" >&2
      ok=1
    fi
  done
  return "$ok"
}

note_missing_test_batch() {
  [[ -f "$1/test_batch.bin" ]] ||
    note "note: $1 has no test_batch.bin; training works, evaluation on the test set needs it"
}

md5_of() {
  if command -v md5sum >/dev/null; then
    md5sum "$1" | cut -d' ' -f1
  elif command -v md5 >/dev/null; then
    md5 -q "$1"
  else
    die "neither md5sum nor md5 is available to verify $1"
  fi
}

verify_archive() {
  local actual
  actual="$(md5_of "$1")"
  [[ "$actual" == "$MD5" ]] ||
    die "$1 has MD5 $actual, but the official cifar-10-binary.tar.gz has $MD5; it is corrupt or a different file (nothing was changed)"
}

# Already installed: nothing to do.
if [[ -d "$target" ]] && check_batches "$target" 2>/dev/null; then
  note "$target already holds valid CIFAR-10 batches; nothing to do"
  note_missing_test_batch "$target"
  exit 0
fi
if [[ -e "$target" || -L "$target" ]]; then
  echo "get-cifar10: $target exists but is not a complete CIFAR-10 folder:" >&2
  check_batches "$target" || true
  die "move or remove $target yourself, or choose another --dest"
fi

mkdir -p "$dest"
work="$(mktemp -d "$dest/.get-cifar10.XXXXXX")"
trap 'rm -rf "$work"' EXIT  # only the scratch folder this run created

if [[ -n "$source_path" && -d "$source_path" ]]; then
  note "checking $source_path"
  check_batches "$source_path" || die "$source_path is not a usable CIFAR-10 binary folder"
  note_missing_test_batch "$source_path"
  ln -s "$(cd "$source_path" && pwd)" "$target"
  note "linked $target -> $(cd "$source_path" && pwd)"
  exit 0
fi

if [[ -n "$source_path" ]]; then
  [[ -f "$source_path" ]] || die "$source_path is neither an archive nor a folder"
  archive="$source_path"
else
  archive="$work/cifar-10-binary.tar.gz"
  note "downloading $URL"
  if command -v curl >/dev/null; then
    curl -fL --retry 3 -o "$archive" "$URL" || die "download of $URL failed"
  elif command -v wget >/dev/null; then
    wget -O "$archive" "$URL" || die "download of $URL failed"
  else
    die "need curl or wget to download $URL (or pass a local ARCHIVE or DIR)"
  fi
fi

verify_archive "$archive"
tar -xzf "$archive" -C "$work" || die "cannot unpack $archive"
unpacked="$work/cifar-10-batches-bin"
[[ -d "$unpacked" ]] || die "$archive has no cifar-10-batches-bin folder"
check_batches "$unpacked" || die "$archive unpacked to incomplete batch files"
mv "$unpacked" "$target"
note "installed CIFAR-10 in $target"
note_missing_test_batch "$target"
