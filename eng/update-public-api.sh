#!/usr/bin/env bash
# Declares new public API: builds the given projects (default: every project under src/), reads the
# PublicApiAnalyzers diagnostics, and adds missing symbols to (RS0016) or removes vanished ones from (RS0017)
# each project's PublicAPI.Unshipped.txt. Review the diff: a new public member is a conscious act.
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@")
[ ${#projects[@]} -gt 0 ] || projects=(src/*/*.csproj)
for project in "${projects[@]}"; do
  log=$(mktemp)
  for _ in 1 2 3; do
    dotnet build "$project" -p:TreatWarningsAsErrors=false -p:WarningsAsErrors=RS9999 -nologo -clp:NoSummary 2>&1 >"$log" || true
    python3 - "$log" <<'PY' && break
import re, sys, os, collections
log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
adds, removes = collections.defaultdict(set), collections.defaultdict(set)
for m in re.finditer(r"(RS0016|RS0017): Symbol '(.+?)' is (?:not part of the declared public API|part of the declared (?:public )?API, but is either not public or could not be found).*?\[(.+?\.csproj)\]", log):
    code, symbol, csproj = m.groups()
    folder = os.path.dirname(csproj)
    (adds if code == "RS0016" else removes)[folder].add(symbol)
changed = False
for folder in set(adds) | set(removes):
    path = os.path.join(folder, "PublicAPI.Unshipped.txt")
    lines = [l.rstrip("\n") for l in open(path, encoding="utf-8")] if os.path.exists(path) else ["#nullable enable"]
    header = [l for l in lines if l.startswith("#")] or ["#nullable enable"]
    body = {l for l in lines if l and not l.startswith("#")}
    new = (body | adds[folder]) - removes[folder]
    if new != body:
        changed = True
        open(path, "w", encoding="utf-8").write("\n".join(header + sorted(new, key=str.lower)) + "\n")
        print(f"{path}: +{len(new - body)} -{len(body - new)}")
sys.exit(1 if changed else 0)
PY
  done
  rm -f "$log"
done
