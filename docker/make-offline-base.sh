#!/usr/bin/env bash
# A Debian bookworm base image for machines that reach Debian's packages but no image registry:
#   sudo bash docker/make-offline-base.sh [IMAGE]        (default crds-batch-base:bookworm)
# then build with --build-arg BASE=crds-batch-base:bookworm (docker/compose.yaml: CRDS_BATCH_BASE).
set -euo pipefail
image="${1:-crds-batch-base:bookworm}"
root="$(mktemp -d "${TMPDIR:-/tmp}/crds-batch-rootfs-XXXXXX")"
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" >&2
tar -C "$root" -c . | docker import - "$image"
echo "$image"
