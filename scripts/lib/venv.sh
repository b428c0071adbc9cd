# The Python virtualenv with the test-only tools (sourced, not run): Helm as a
# library and Kubernetes' schemas for the chart test, schemathesis for the API.
# Versions are pinned in scripts/test-requirements.txt.

# Makes .wfm/test-venv (or $WFM_TEST_VENV) when it is missing, broken or older
# than scripts/test-requirements.txt (whose sha256 is kept in the venv once
# everything installed), and exports WFM_TEST_VENV as an absolute path.
# Returns non-zero on failure, with or without `set -e`.
ensure_test_venv() {
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    local venv="${WFM_TEST_VENV:-$root/.wfm/test-venv}"
    if [[ "$venv" != /* ]]; then venv="$PWD/$venv"; fi
    local requirements="$root/scripts/test-requirements.txt"
    local want
    want=$(sha256sum "$requirements" | cut -d' ' -f1) || return 1
    if [[ -x "$venv/bin/python" && "$(cat "$venv/.requirements-sha256" 2>/dev/null)" == "$want" ]] \
        && "$venv/bin/python" -c '' 2>/dev/null; then
        export WFM_TEST_VENV="$venv"
        return
    fi
    ensure_python_venv || return 1
    # Made anew each time the requirements change: exactly the pinned set, nothing left over.
    echo "==> making the test virtualenv $venv (scripts/test-requirements.txt changed or new)"
    mkdir -p "$(dirname "$venv")" || return 1
    python3 -m venv --clear "$venv" || return 1
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --requirement "$requirements" || return 1
    echo "$want" >"$venv/.requirements-sha256" || return 1
    export WFM_TEST_VENV="$venv"
}

# Installs Debian's python3-venv when python3 cannot make a venv (a fresh
# Debian has python3 without ensurepip).
ensure_python_venv() {
    if command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' 2>/dev/null; then
        return
    fi
    echo "==> python3 cannot make a virtualenv: installing Debian's python3-venv"
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: no apt-get here; install python3 (>= 3.11, for schemathesis) with its venv module" >&2
        return 1
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        python3 python3-venv >/dev/null
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        echo "error: python3-venv installed but python3 still cannot make a virtualenv" >&2
        return 1
    fi
}
