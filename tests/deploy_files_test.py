#!/usr/bin/env python3
"""What can be checked of the container files without a container engine: compose.yaml parses
and names kek and the edge with the volume and health check; the Dockerfile is multi-stage,
runs the same scripts/package-deb.sh as the .deb, ends on debian:bookworm-slim as a non-root
user with a volume for /var/lib/kek and a HEALTHCHECK on /api/health; the Grafana dashboard is
JSON whose queries name metrics kek exports. Usage: deploy_files_test.py SOURCE_DIR."""
import json, os, re, sys

src = sys.argv[1]
try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is missing (scripts/dev.sh test installs it)")
    sys.exit(77)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


compose = yaml.safe_load(open(os.path.join(src, "compose.yaml")))
services = compose.get("services", {})
if set(services) != {"kek", "edge"}:
    fail(f"compose services: {sorted(services)}")
kek, edge = services["kek"], services["edge"]
if "kek-data:/var/lib/kek" not in kek.get("volumes", []):
    fail("kek keeps no volume at /var/lib/kek")
if "/api/health" not in " ".join(kek["healthcheck"]["test"]):
    fail("no health check on /api/health")
if edge.get("network_mode") != "service:kek":
    fail("the edge must share kek's network (kek.conf proxies to 127.0.0.1:8080)")
for volume in edge["volumes"]:
    host = volume.split(":")[0]
    if host.startswith("./deploy/nginx/kek.conf") and not os.path.exists(os.path.join(src, host)):
        fail(f"compose mounts {host}, which is not in the tree")

docker = open(os.path.join(src, "Dockerfile")).read()
stages = re.findall(r"^FROM\s+(\S+)", docker, re.M)
if len(stages) < 2 or stages[-1] != "debian:bookworm-slim":
    fail(f"stages: {stages}")
if "scripts/package-deb.sh" not in docker:
    fail("the image is not built with scripts/package-deb.sh")
last = docker[docker.rfind("FROM "):]
for need in (r"^USER\s+kek", r'^VOLUME\s+\["/var/lib/kek"\]', r"^HEALTHCHECK .*\n?.*?/api/health"):
    if not re.search(need, last, re.M):
        fail(f"the runtime stage has no {need}")
for path in ("scripts/package-deb.sh", "scripts/dev.sh"):
    if f"COPY {path}" in docker and not os.path.exists(os.path.join(src, path)):
        fail(f"{path} is missing")

dash = json.load(open(os.path.join(src, "deploy/grafana/kek.json")))
exported = set(re.findall(r'"(kek_[a-z_]+|process_[a-z_]+)"', open(os.path.join(src, "docs/operations.md")).read()))
exported |= set(re.findall(r"`(kek_[a-z_]+|process_[a-z_]+)", open(os.path.join(src, "docs/operations.md")).read()))
for panel in dash["panels"]:
    for target in panel["targets"]:
        for name in re.findall(r"\b((?:kek|process)_[a-z_]+?)(?:_bucket|_count|_sum)?\b", target["expr"]):
            if name not in exported:
                fail(f"panel '{panel['title']}' queries {name}, which docs/operations.md does not list")
print(f"ok: compose ({len(services)} services), Dockerfile ({len(stages)} stages), Grafana ({len(dash['panels'])} panels)")
