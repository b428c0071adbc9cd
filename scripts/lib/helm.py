"""charts/wfm through real Helm (v4, as a library) and Kubernetes' schemas.

Runs in the test virtualenv (scripts/lib/venv.sh, .wfm/test-venv), which has
helm-python-sdk (Helm's Go SDK behind a C ABI: no helm binary) and
kubernetes-validate (Kubernetes' OpenAPI schemas as JSON schemas):

    .wfm/test-venv/bin/python scripts/lib/helm.py lint [VALUES_JSON]
    .wfm/test-venv/bin/python scripts/lib/helm.py template RELEASE NAMESPACE [VALUES_JSON]
    .wfm/test-venv/bin/python scripts/lib/helm.py validate [FILE]   (stdin by default)

  lint      `helm lint --strict` of the chart with VALUES_JSON over values.yaml:
            any warning or error fails (exit 1), info is printed only.
  template  `helm template RELEASE CHART -n NAMESPACE --set-json VALUES_JSON`:
            the manifests as multi-document YAML on stdout (each with its
            `# Source:`); a failed render (`fail`, `required`) is Helm's
            message on stderr and exit 1.
  validate  every object of a multi-document YAML (template's output) against
            Kubernetes' schemas (1.33 unless --kube-version), strictly: an
            unknown field is an error. Failures name kind/name (exit 1). Kinds
            of CRDs (ServiceMonitor...) have no upstream schema: skipped, and
            said so on stderr.

Options (after the command): --chart DIR, another chart than this repository's
charts/wfm; --kube-version X.Y, for lint and validate (default 1.33).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KUBE_VERSION = "1.33"
# Custom resources the chart may render: their schemas are their operators', not Kubernetes'.
CRD_GROUPS = ("monitoring.coreos.com/",)


def values_arg(text: str | None) -> dict:
    if not text:
        return {}
    values = json.loads(text)
    if not isinstance(values, dict):
        raise SystemExit("VALUES_JSON must be a JSON object")
    return values


def lint(chart: Path, values: dict, kube_version: str) -> int:
    import helm_python as helm

    report = helm.lint(chart, values, strict=True, kube_version=f"v{kube_version}.0")
    failed = bool(report.get("errors"))
    for message in report.get("messages", []):
        severity = {1: "INFO", 2: "WARNING", 3: "ERROR"}.get(message["severity"], "UNKNOWN")
        failed |= message["severity"] >= 2 or message["severity"] == 0
        print(f"[{severity}] {message['path']}: {message['error']}")
    # the errors list repeats the messages' errors without their path
    reported = {m["error"] for m in report.get("messages", [])}
    for error in report.get("errors", []):
        if error not in reported:
            print(f"[ERROR] {error}")
    if failed:
        print(f"helm lint --strict {chart}: failed", file=sys.stderr)
        return 1
    print(f"helm lint --strict {chart}: {report.get('total_charts_linted', 0)} chart(s) linted, no failures")
    return 0


def template(chart: Path, release: str, namespace: str, values: dict) -> int:
    import helm_python as helm

    try:
        with helm.Chart.load(chart) as loaded:
            rendered = loaded.render(values, name=release, namespace=namespace, is_install=True)
    except helm.HelmError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    out = []
    for source in sorted(rendered):
        name = source.rsplit("/", 1)[-1]
        if name.startswith("_") or name == "NOTES.txt":
            continue
        for doc in split_documents(rendered[source]):
            out.append(f"---\n# Source: {source}\n{doc}\n")
    sys.stdout.write("".join(out))
    return 0


def split_documents(text: str) -> list[str]:
    """The non-empty YAML documents of one rendered template, as Helm splits them."""
    docs, current = [], []
    for line in text.splitlines():
        if line.rstrip() == "---" or line.startswith("--- "):
            docs.append("\n".join(current))
            current = []
        else:
            current.append(line)
    docs.append("\n".join(current))
    return [d.strip("\n") for d in docs if any(meaningful(l) for l in d.splitlines())]


def meaningful(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def validate(text: str, kube_version: str) -> int:
    import yaml
    from kubernetes_validate import utils as kv

    failures = 0
    objects = [o for o in yaml.safe_load_all(text) if o]
    for n, obj in enumerate(objects):
        if not isinstance(obj, dict) or "kind" not in obj or "apiVersion" not in obj:
            print(f"document {n}: not a Kubernetes object (no kind/apiVersion)")
            failures += 1
            continue
        what = f"{obj['kind']}/{(obj.get('metadata') or {}).get('name', '?')}"
        if obj["apiVersion"].startswith(CRD_GROUPS):
            print(f"skipped {what} ({obj['apiVersion']}): a custom resource, no Kubernetes schema", file=sys.stderr)
            continue
        try:
            kv.validate(obj, kube_version, strict=True)
        except kv.ValidationError as e:
            path = ".".join(str(p) for p in e.path) or "(root)"
            print(f"{what} ({obj['apiVersion']}) is not valid Kubernetes {e.version}: {path}: {e.message}")
            failures += 1
        except kv.SchemaNotFoundError as e:
            print(f"{what}: {e.message}")
            failures += 1
    if failures:
        print(f"{failures} of {len(objects)} object(s) failed Kubernetes {kube_version}'s schemas", file=sys.stderr)
        return 1
    print(f"{len(objects)} object(s) checked against Kubernetes {kube_version}'s schemas")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--chart", type=Path, default=ROOT / "charts" / "wfm")
    common.add_argument("--kube-version", default=KUBE_VERSION)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("lint", parents=[common])
    p.add_argument("values", nargs="?")
    p = commands.add_parser("template", parents=[common])
    p.add_argument("release")
    p.add_argument("namespace")
    p.add_argument("values", nargs="?")
    p = commands.add_parser("validate", parents=[common])
    p.add_argument("file", nargs="?", default="-")
    args = parser.parse_args()

    if args.command == "lint":
        return lint(args.chart, values_arg(args.values), args.kube_version)
    if args.command == "template":
        return template(args.chart, args.release, args.namespace, values_arg(args.values))
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
    return validate(text, args.kube_version)


if __name__ == "__main__":
    sys.exit(main())
