# The web console's tools (sourced, not run): Node.js and npm to build it,
# Chromium for its browser tests. Installs Debian's packages when missing, as
# scripts/lib/postgres.sh does for PostgreSQL.

# Runs apt-get install for the named packages (root, or through sudo).
web_apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: no apt-get here; install $* yourself" >&2
        return 1
    fi
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    $sudo apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null || return 1
}

# Node.js >= 18 (Vite 6's floor; Debian 12 ships 18) and npm.
ensure_node() {
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        echo "==> no Node.js/npm found: installing Debian's nodejs and npm"
        web_apt_install nodejs npm || return 1
    fi
    local major
    major=$(node -p 'process.versions.node.split(".")[0]') || return 1
    if (( major < 18 )); then
        echo "error: Node.js $(node --version) is too old for the console's build; 18 or newer is needed" >&2
        return 1
    fi
}

# Debian's Chromium, which the browser tests drive (Playwright never
# downloads a browser of its own here).
ensure_chromium() {
    if [[ -x "${WFM_CHROMIUM:-/usr/bin/chromium}" ]]; then
        return
    fi
    echo "==> no Chromium found: installing Debian's chromium"
    web_apt_install chromium || return 1
}

# npm ci in services/web when package-lock.json changed since the last one
# (its sha256 is kept in node_modules), then the production build into
# services/web/dist. Returns non-zero on failure, with or without `set -e`.
build_console() {
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    local web="$root/services/web"
    ensure_node || return 1
    local want
    want=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1) || return 1
    if [[ "$(cat "$web/node_modules/.wfm-lock-sha256" 2>/dev/null)" != "$want" ]]; then
        echo "==> console: npm ci"
        (cd "$web" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) || return 1
        echo "$want" >"$web/node_modules/.wfm-lock-sha256" || return 1
    fi
    echo "==> console: type check and build (services/web/dist)"
    (cd "$web" && npm run --silent build -- --logLevel warn) || return 1
}
