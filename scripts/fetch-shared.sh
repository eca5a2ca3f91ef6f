#!/usr/bin/env bash
# Downloads the upstream schemas the tests validate against into a `shared` directory laid out
# like ../shared (CI provides it; a fresh clone or a GitHub runner does not):
#   <dir>/schemas/kubernetes/v1.30.0.json, v1.35.0.json   cdk8s-team/cdk8s kubernetes-schemas
#   <dir>/crds/strimzi-1.2.0/04*-Crd-*.yaml                 the Strimzi 1.2.0 release's CRDs
#   <dir>/crds/kafka-access-operator-0.3.0/040-Crd-kafkaaccess.yaml   the Kafka Access Operator's CRD
# Usage: scripts/fetch-shared.sh [dir]   (default ../shared)
set -euo pipefail
dir="${1:-../shared}"
strimzi=1.2.0
access=0.3.0
mkdir -p "$dir/schemas/kubernetes" "$dir/crds/strimzi-$strimzi" "$dir/crds/kafka-access-operator-$access"

for version in v1.30.0 v1.35.0; do
  curl -fsSL --retry 3 -o "$dir/schemas/kubernetes/$version.json" \
    "https://raw.githubusercontent.com/cdk8s-team/cdk8s/master/kubernetes-schemas/$version/_definitions.json"
done

# Only the CRDs of the kinds cdc8s renders: `npm run import` generates imports/ from exactly these.
crds="040-Crd-kafka.yaml 041-Crd-kafkaconnect.yaml 043-Crd-kafkatopic.yaml 044-Crd-kafkauser.yaml 045-Crd-kafkanodepool.yaml 047-Crd-kafkaconnector.yaml"
curl -fsSL --retry 3 "https://github.com/strimzi/strimzi-kafka-operator/releases/download/$strimzi/strimzi-$strimzi.tar.gz" \
  | tar -xz -C "$dir/crds/strimzi-$strimzi" --strip-components=3 \
      $(for crd in $crds; do echo "strimzi-$strimzi/install/cluster-operator/$crd"; done)
curl -fsSL --retry 3 -o "$dir/crds/kafka-access-operator-$access/040-Crd-kafkaaccess.yaml" \
  "https://raw.githubusercontent.com/strimzi/kafka-access-operator/$access/packaging/install/040-Crd-kafkaaccess.yaml"
echo "schemas and CRDs in $dir"
