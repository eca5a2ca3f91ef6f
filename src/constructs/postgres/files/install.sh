#!/usr/bin/env bash
# Installs PostgreSQL and pgBackRest from Debian's archive at exactly the pinned versions. The
# image's build runs it (Dockerfile), and so do the tests, in a Debian root that debootstrap makes
# from the same archive: the binaries the tests run are the ones the image ships.
#
# Usage: install.sh <packages file: one name=version per line> <uid of postgres> <output plugin to delete>...
set -euo pipefail

packages_file=$1
uid=$2
shift 2

# The postgres user at the UID and GID the pod runs as (its securityContext), made before the
# packages would create it at whatever system UID is free.
groupadd --system --gid "$uid" postgres
useradd --system --uid "$uid" --gid postgres --home-dir /var/lib/postgresql --no-create-home --shell /bin/bash postgres

# Debian's postgresql-common would create (and start) a cluster of its own; the entrypoint makes the only one.
mkdir -p /etc/postgresql-common/createcluster.d
echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/cdc8s.conf

mapfile -t packages < <(grep -v -e '^#' -e '^$' "$packages_file")
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install --yes --no-install-recommends "${packages[@]}"

# apt resolves a pinned package's dependencies itself: check that every pin holds as installed.
for pin in "${packages[@]}"; do
  installed=$(dpkg-query --show --showformat='${Version}' "${pin%%=*}")
  if [ "$installed" != "${pin#*=}" ]; then
    echo "install.sh: ${pin%%=*} is $installed, not the pinned ${pin#*=}" >&2
    exit 1
  fi
done

# Debezium decodes through pgoutput, which is built into the server. Any other logical decoding
# output plugin would let the REPLICATION role decode every table, published or not
# (test_decoding does): none stays.
for plugin in "$@"; do
  rm -f /usr/lib/postgresql/*/lib/"$plugin"
done

# The socket directory exists in the image; the pod mounts a memory volume over it.
install -d -o postgres -g postgres -m 2775 /var/run/postgresql

apt-get clean
rm -rf /var/lib/apt/lists/*
