#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the pinned tools/kube module into a
# cache outside the repo, keyed by version, for the e2e/kubeharness tests.
#
#   scripts/kube-tools.sh            # build if missing; last stdout line = bin dir
#   scripts/kube-tools.sh --print    # print the bin dir only, never build
#
# Cache: ${PALISADE_CACHE:-$HOME/.cache/palisade}/kube/<k8s>-<etcd>/
# Needs only Go and the Go module proxy. A cold build takes ~5 min on 2 cores.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mod_dir="$repo_root/tools/kube"

log() { echo "kube-tools: $*" >&2; }

# Versions come from tools/kube/go.mod itself, so bumping a pin there
# automatically selects a new cache directory (no stale binaries).
mod_version() {
	# Handles both "require m v" and block-form "\tm v // indirect" lines.
	awk -v m="$1" '$1 == "require" { $1 = ""; $0 = $0 } $1 == m { print $2; exit }' "$mod_dir/go.mod"
}

k8s_version="$(mod_version k8s.io/kubernetes)"
etcd_version="$(mod_version go.etcd.io/etcd/server/v3)"
if [[ -z "$k8s_version" || -z "$etcd_version" ]]; then
	log "cannot read pinned versions from $mod_dir/go.mod"
	exit 1
fi

cache_root="${PALISADE_CACHE:-$HOME/.cache/palisade}/kube"
bin_dir="$cache_root/$k8s_version-$etcd_version"

have_binaries() { [[ -x "$bin_dir/kube-apiserver" && -x "$bin_dir/etcd" ]]; }

if [[ "${1:-}" == "--print" ]]; then
	echo "$bin_dir"
	exit 0
fi

if have_binaries; then
	echo "$bin_dir"
	exit 0
fi

mkdir -p "$cache_root"

# Serialise concurrent builds (parallel test packages, a developer running the
# script by hand) so the 5-minute build runs once. flock is optional.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache_root/.lock"
	flock 9
	if have_binaries; then
		echo "$bin_dir"
		exit 0
	fi
fi

command -v go >/dev/null 2>&1 || { log "go not found in PATH"; exit 1; }

# Build into a scratch dir and rename at the end, so an interrupted build
# never leaves a half-populated cache dir that have_binaries would accept.
tmp_dir="$(mktemp -d "$cache_root/.build.XXXXXX")"
trap 'rm -rf "$tmp_dir"' EXIT

# The k8s version variables make /version report the real release instead of
# v0.0.0-master, which collectors read through discovery.
minor="${k8s_version#v1.}"
minor="${minor%%.*}"
pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"

build() { # name, package
	local start=$SECONDS
	log "building $1 ($2) ..."
	(cd "$mod_dir" && GOWORK=off CGO_ENABLED=0 go build -trimpath -mod=readonly \
		-ldflags "$ldflags" -o "$tmp_dir/$1" "$2")
	log "built $1 in $((SECONDS - start))s"
}

log "cache miss: building kube-apiserver $k8s_version and etcd $etcd_version into $bin_dir"
log "(the first build also downloads ~170 modules from the Go module proxy)"
build etcd ./cmd/etcd
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver

chmod 755 "$tmp_dir" # mktemp made it 0700
rm -rf "$bin_dir"
mv "$tmp_dir" "$bin_dir"
trap - EXIT
log "done in ${SECONDS}s"
echo "$bin_dir"
