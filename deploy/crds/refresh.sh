#!/usr/bin/env bash
# Replaces the vendored CRDs with those of the given upstream releases and rewrites the table in README.md.
# Needs network access to GitHub (not available on CI machines; run it on a workstation and commit the result).
#   deploy/crds/refresh.sh --keda 2.20.0 --karpenter 1.9.0 --prometheus-operator 0.93.0
# Then run the chart tests (./mvnw -pl deploy verify): a field the chart sets that a new CRD renamed fails them.
set -euo pipefail
cd "$(dirname "$0")"

keda="" karpenter="" prometheus=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keda) keda="$2"; shift 2 ;;
    --karpenter) karpenter="$2"; shift 2 ;;
    --prometheus-operator) prometheus="$2"; shift 2 ;;
    *) echo "usage: $0 --keda X.Y.Z --karpenter X.Y.Z --prometheus-operator X.Y.Z" >&2; exit 2 ;;
  esac
done
if [ -z "$keda" ] || [ -z "$karpenter" ] || [ -z "$prometheus" ]; then
  echo "usage: $0 --keda X.Y.Z --karpenter X.Y.Z --prometheus-operator X.Y.Z" >&2
  exit 2
fi

raw=https://raw.githubusercontent.com
# file name | upstream release | upstream path of that file at the release's tag
sources=(
  "keda.sh_scaledobjects.yaml|KEDA v$keda|$raw/kedacore/keda/v$keda/config/crd/bases/keda.sh_scaledobjects.yaml"
  "keda.sh_scaledjobs.yaml|KEDA v$keda|$raw/kedacore/keda/v$keda/config/crd/bases/keda.sh_scaledjobs.yaml"
  "keda.sh_triggerauthentications.yaml|KEDA v$keda|$raw/kedacore/keda/v$keda/config/crd/bases/keda.sh_triggerauthentications.yaml"
  "karpenter.sh_nodepools.yaml|Karpenter v$karpenter|$raw/aws/karpenter-provider-aws/v$karpenter/pkg/apis/crds/karpenter.sh_nodepools.yaml"
  "karpenter.k8s.aws_ec2nodeclasses.yaml|Karpenter v$karpenter|$raw/aws/karpenter-provider-aws/v$karpenter/pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml"
  "monitoring.coreos.com_servicemonitors.yaml|Prometheus Operator v$prometheus|$raw/prometheus-operator/prometheus-operator/v$prometheus/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
  "monitoring.coreos.com_podmonitors.yaml|Prometheus Operator v$prometheus|$raw/prometheus-operator/prometheus-operator/v$prometheus/example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml"
  "monitoring.coreos.com_prometheusrules.yaml|Prometheus Operator v$prometheus|$raw/prometheus-operator/prometheus-operator/v$prometheus/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rows=""
for entry in "${sources[@]}"; do
  IFS='|' read -r file release url <<<"$entry"
  curl -fsSL "$url" -o "$tmp/$file"
  grep -q '^kind: CustomResourceDefinition' "$tmp/$file" || { echo "$url is not a CRD" >&2; exit 1; }
  rows+="| \`$file\` | $release | $(sha256sum "$tmp/$file" | cut -c1-64) |"$'\n'
done
mv "$tmp"/*.yaml .

# Rewrite the table between the markers in README.md.
awk -v rows="$rows" '
  /<!-- crds:begin -->/ { print; print "| file | upstream release | sha256 |"; print "|---|---|---|"; printf "%s", rows; skip = 1; next }
  /<!-- crds:end -->/ { skip = 0 }
  !skip { print }
' README.md > "$tmp/README.md"
mv "$tmp/README.md" README.md
echo "Refreshed: KEDA v$keda, Karpenter v$karpenter, Prometheus Operator v$prometheus"
