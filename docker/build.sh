#!/usr/bin/env bash
# Builds the chainer-spiral image (docker/Dockerfile), whose `docker run` renders the MNIST 7
# painter's movie into /out. Its base, when the daemon lacks it, is made first from Debian's
# packages: debootstrap bookworm (python3 is 3.11 there) imported as chainer-spiral-base:bookworm,
# standing in for a registry image that cannot be pulled (as root; debootstrap needs it).
# The CA bundle goes to the build as a BuildKit secret, so pip trusts a TLS-intercepting proxy
# without the bundle landing in a layer. See docs/docker.md.
#   IMAGE=name      the image's tag (default chainer-spiral)
#   BASE=name       its base (default chainer-spiral-base:bookworm, made when missing; another,
#                   e.g. python:3.11-slim-bookworm, is pulled by the build)
#   CA_BUNDLE=path  the CA bundle (default /etc/ssl/certs/ca-certificates.crt)
#   DOCKER=exe      the docker client (default: the first on PATH that builds with BuildKit)
#   PIP_INDEX_URL   passed to the build when set (default there: https://pypi.org/simple)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${IMAGE:-chainer-spiral}
DEFAULT_BASE=chainer-spiral-base:bookworm
BASE=${BASE:-$DEFAULT_BASE}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
MIRROR=http://deb.debian.org/debian

# Clients from docker 23 on build with BuildKit only through the buildx plugin; older ones (Debian
# bookworm's docker.io) have it built in behind DOCKER_BUILDKIT=1.
docker=; build=()
for cli in ${DOCKER:-$(type -ap docker)}; do
  if "$cli" buildx version >/dev/null 2>&1; then
    docker=$cli; build=(buildx build --load); break
  fi
  major=$("$cli" version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1 || true)
  if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -lt 23 ]; then
    docker=$cli; build=(build); break
  fi
done
if [ -z "$docker" ]; then
  echo "build.sh: expected a docker client that builds with BuildKit (buildx, or docker < 23 as" \
       "Debian's docker.io), got: ${DOCKER:-$(type -ap docker | tr '\n' ' ')}" >&2
  exit 1
fi
"$docker" info >/dev/null 2>&1 || {
  echo "build.sh: expected a running docker daemon (start it: dockerd > /tmp/dockerd.log 2>&1 &)," \
       "got no answer from $docker info" >&2
  exit 1
}

make_base() {
  [ "$(id -u)" -eq 0 ] || { echo "build.sh: making $BASE needs root (debootstrap), got uid $(id -u)" >&2; exit 1; }
  command -v debootstrap >/dev/null || { echo "build.sh: making $BASE needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  echo "build.sh: debootstrap bookworm into $root, imported as $BASE"
  debootstrap --variant=minbase --include=python3 bookworm "$root" "$MIRROR" >/dev/null
  # As Debian's own slim images: no documentation, manuals or translations, now or later.
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/locale/*' > "$root/etc/dpkg/dpkg.cfg.d/excludes"
  find "$root/usr/share/doc" -type f -not -name copyright -delete
  rm -rf "$root"/usr/share/{man,info,locale}/*
  printf '%s\n' "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" > "$root/etc/apt/sources.list"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*
  tar -C "$root" -c . | "$docker" import --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' - "$BASE" >/dev/null
  rm -rf "$root"
  trap - EXIT
}
if [ "$BASE" = "$DEFAULT_BASE" ] && ! "$docker" image inspect "$BASE" >/dev/null 2>&1; then
  make_base
fi

args=(--build-arg "BASE=$BASE" -t "$IMAGE" -f "$ROOT/docker/Dockerfile")
[ ! -f "$CA_BUNDLE" ] || args+=(--secret "id=ca,src=$CA_BUNDLE")
[ -z "${PIP_INDEX_URL:-}" ] || args+=(--build-arg "PIP_INDEX_URL=$PIP_INDEX_URL")
DOCKER_BUILDKIT=1 "$docker" "${build[@]}" "${args[@]}" "$ROOT"
