#!/usr/bin/env bash
# Installs everything chainer-spiral needs on Debian bookworm: the apt packages (libmypaint and a C
# toolchain for the cffi extensions), then a virtualenv with the pinned Python stack and the package
# itself (editable, so the cffi extensions are built in place).
# Idempotent: it skips what is already installed. Used by `make install`/`make test`/`make demo`,
# by .ci/run (through `make test`) and by docker/Dockerfile, so CI exercises the Docker steps.
#   --test      also install what the test suite needs beyond the package (headless Chromium for
#               the browser player's test, Ray for the Ray backend's tests: the `ray` extra,
#               Playwright to drive Chromium in the serve page's tests: the `browser` extra)
#   --runtime   only the Debian packages an installed checkout needs to run (libmypaint and make,
#               without the toolchain): the image of docker/Dockerfile, whose venv comes built
#   VENV=path   where the virtualenv goes (default: .venv in the repository)
#   PYTHON=exe  the interpreter that creates it (default: python3, which must be 3.11)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
# python3-dev and python3-venv: Debian's python3 builds the cffi extensions and the venv with them.
APT_PACKAGES=(libmypaint-1.5-1 libmypaint-dev gcc libc6-dev pkg-config make python3-dev python3-venv)
EXTRAS=test,serve
case "${1:-}" in
  --test) APT_PACKAGES+=(chromium); EXTRAS=test,ray,serve,browser ;;
  --runtime) APT_PACKAGES=(libmypaint-1.5-1 make); EXTRAS=none ;;
  '') ;;
  *) echo "install.sh: unknown option '$1' (expected --test, --runtime or nothing)" >&2; exit 2 ;;
esac

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: missing Debian packages; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "install.sh: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "$EXTRAS" != none ] || exit 0

"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || {
  echo "install.sh: Python 3.11 is required, $PYTHON is $("$PYTHON" --version 2>&1); set PYTHON=python3.11" >&2
  exit 1
}
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"

# Re-install only when the inputs of the install change.
inputs=("$ROOT/setup.py" "$ROOT/constraints.txt" "$ROOT/chainer_spiral/envs/_mypaint_build.py"
        "$ROOT/chainer_spiral/models/_conv_build.py")
stamp="$VENV/.installed-$(cat "${inputs[@]}" | sha256sum | cut -c1-16)"
# The stamp records the extras installed with these inputs; a --test install covers a plain one.
installed=$(cat "$stamp" 2>/dev/null || true)
if [ "$installed" != "$EXTRAS" ] && [ "$installed" != test,ray,serve,browser ]; then
  echo "install.sh: pip install -e .[$EXTRAS] into $VENV"
  # pip >= 26.2 applies only build constraints inside its isolated build environments (where
  # chainer's sdist needs setuptools<70), older pips PIP_CONSTRAINT: set both (docs/install.md).
  PIP_CONSTRAINT="$ROOT/constraints.txt" PIP_BUILD_CONSTRAINT="$ROOT/constraints.txt" \
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install -q -e "$ROOT[$EXTRAS]"
  rm -f "$VENV"/.installed-*
  echo "$EXTRAS" > "$stamp"
fi
