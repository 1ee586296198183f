#!/usr/bin/env bash
# Builds the real-world manifest corpus for `make bench` (issue 16: scan cost against a bare
# YAML decode): the Kubernetes manifests of pinned public projects, fetched as Go modules
# through the module proxy (the only source of public files this machine reaches) and copied
# once into ~/.cache/palisade/corpus/realworld-<version>/. Prints that directory.
#
# A file is taken when it has a top-level "kind:" and no Go/Helm template markers ("{{"):
# install manifests, kustomize bases, examples and e2e test fixtures, as found. Files that
# are not valid Kubernetes objects stay in: real repositories have them too.
set -euo pipefail

version=v1
out="${XDG_CACHE_HOME:-$HOME/.cache}/palisade/corpus/realworld-$version"
if [ -f "$out/.complete" ]; then
  echo "$out"
  exit 0
fi

modules=(
  k8s.io/kubernetes@v1.37.2
  github.com/argoproj/argo-cd/v2@v2.13.3
  github.com/open-policy-agent/gatekeeper/v3@v3.18.2
  knative.dev/serving@v0.44.0
  github.com/cert-manager/cert-manager@v1.16.3
  github.com/fluxcd/flux2/v2@v2.4.0
  github.com/kyverno/kyverno@v1.13.2
)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/palisade-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for m in "${modules[@]}"; do
  echo "corpus: $m" >&2
  dir=$(go mod download -json "$m" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "corpus: could not download $m" >&2
    exit 1
  fi
  name=$(echo "${m%@*}" | tr '/.' '__')
  find "$dir" -type f \( -name '*.yaml' -o -name '*.yml' \) -size -2M -print0 |
    while IFS= read -r -d '' f; do
      grep -q '^kind:' "$f" || continue
      grep -q '{{' "$f" && continue
      rel=${f#"$dir"/}
      mkdir -p "$tmp/$name/$(dirname "$rel")"
      cp "$f" "$tmp/$name/$rel"
    done
done
mkdir -p "$(dirname "$out")"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
chmod -R u+w "$out"
touch "$out/.complete"
echo "$out"
