#!/usr/bin/env bash
# Builds the Lambda bundle the way `sam build` does with its pip builder (no Docker), then checks it:
#   - the template's CodeUri (less what sam's builder excludes) beside deploy/aws/requirements.txt installed
#     from wheels for the template's Runtime on manylinux2014_x86_64, as sam picks them. pip's cross-platform
#     download fetches that runtime's wheels whatever this machine's Python is; like sam, nothing is
#     compiled to .pyc (sam unzips the wheels);
#   - the bundle stays under Lambda's 250 MB unzipped limit;
#   - every function's handler imports in a fresh interpreter of the runtime's Python with only the bundle
#     on sys.path, and its cold import time (median of LAMBDA_IMPORT_RUNS, no bytecode cache, as on
#     Lambda's read-only /var/task) is printed. Without that Python here, a bundle built for this machine's
#     Python is imported instead, and the script says so.
# Usage: scripts/build-lambda.sh [OUT_DIR]   (default build/lambda; pip's cache keeps reruns fast)
set -euo pipefail
cd "$(dirname "$0")/.."
template=deploy/aws/template.yaml
out="${1:-build/lambda}"
runs="${LAMBDA_IMPORT_RUNS:-3}"
limit=$((250 * 1024 * 1024)) # Lambda's quota on a function's unzipped code and layers: 262,144,000 bytes
started=$(date +%s)

# The Globals section names the runtime and the code for every function.
runtime=$(awk '/^Globals:/ {g = 1} g && $1 == "Runtime:" {print $2; exit}' "$template")
code_uri=$(awk '/^Globals:/ {g = 1} g && $1 == "CodeUri:" {print $2; exit}' "$template")
version="${runtime#python}"
source_dir="$(dirname "$template")/$code_uri"
case "$runtime" in python3.*) ;; *) echo "build-lambda: no python3.x Runtime in $template's Globals" >&2; exit 1 ;; esac
[ -d "$source_dir" ] || { echo "build-lambda: CodeUri $code_uri is not a directory" >&2; exit 1; }
# function name and handler, for every AWS::Serverless::Function
functions=$(awk '
    /^  [A-Za-z0-9]+:$/ {name = substr($1, 1, length($1) - 1); fn = 0}
    $1 == "Type:" && $2 == "AWS::Serverless::Function" {fn = 1}
    fn && $1 == "Handler:" {print name, $2}
' "$template")
[ -n "$functions" ] || { echo "build-lambda: no functions in $template" >&2; exit 1; }

runtime_python=""
for candidate in "python$version" "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/"$version"*/bin/"python$version"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
        runtime_python=$(command -v "$candidate")
        break
    fi
done

pip_quiet() { # pip, less the machine's notes about absent local indexes
    "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
}

build() { # build DIR PYTHON_VERSION
    local dir="$1" python_version="$2"
    rm -rf "$dir"
    mkdir -p "$dir"
    pip_quiet .venv/bin/python -m pip install --quiet --no-compile --disable-pip-version-check \
        --platform manylinux2014_x86_64 --implementation cp --python-version "$python_version" \
        --only-binary=:all: --target "$dir" -r deploy/aws/requirements.txt
    rm -rf "$dir/bin" # console scripts: sam unzips wheels and installs none
    # sam's PythonPipBuilder copies CodeUri without these
    tar -C "$source_dir" --exclude=__pycache__ --exclude='*.pyc' --exclude='*.so' --exclude='*.egg-info' \
        --exclude='*.egg' --exclude=.venv --exclude=.mypy_cache --exclude=.pytest_cache -cf - . | tar -C "$dir" -xf -
}

bundle="$out/$runtime"
build "$bundle" "$version"
size=$(du -sb "$bundle" | cut -f1)
echo "build-lambda: $runtime bundle $bundle: $((size / 1048576)) MB unzipped (Lambda's limit: 250 MB)"
if [ "$size" -ge "$limit" ]; then
    echo "build-lambda: the bundle is over Lambda's 250 MB unzipped limit: trim deploy/aws/requirements.txt" >&2
    exit 1
fi

import_python="$runtime_python"
import_bundle="$bundle"
if [ -z "$import_python" ]; then
    here=$(.venv/bin/python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    import_python=$(.venv/bin/python -c 'import sys; print(sys._base_executable)') # the venv's own interpreter
    import_bundle="$out/python$here"
    echo "build-lambda: no python$version on this machine: importing with python$here from a bundle built for it"
    build "$import_bundle" "$here"
fi

import_root=$(realpath "$import_bundle")
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "build-lambda: cold import of each handler, $(basename "$import_python") -S -I, only the bundle on sys.path" \
    "(median of $runs, no .pyc)"
declare -A cold # module -> median ms: functions that share a module share its import
while read -r name handler; do
    module="${handler%.*}"
    attribute="${handler##*.}"
    if [ -n "${cold[$module]:-}" ]; then
        printf '  %-28s %-40s %6s ms\n' "$name" "$handler" "${cold[$module]}"
        continue
    fi
    times=""
    for _ in $(seq "$runs"); do
        # env -i: none of this machine's settings; -I -S: no site-packages, no user paths, no cwd
        seconds=$(cd / && env -i PATH=/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 AWS_REGION=us-east-1 \
            "$import_python" -I -S -c '
import importlib, sys, time
bundle, module, attribute = sys.argv[1:4]
sys.path.insert(0, bundle)
started = time.perf_counter()
loaded = importlib.import_module(module)
elapsed = time.perf_counter() - started
assert loaded.__file__ and loaded.__file__.startswith(bundle), f"{module} came from {loaded.__file__}"
assert callable(getattr(loaded, attribute)), f"{module}.{attribute} is not a function"
print(f"{elapsed:.3f}")
' "$import_root" "$module" "$attribute") || {
            echo "build-lambda: $name: $handler does not import from the bundle (see above)" >&2
            exit 1
        }
        times="$times $seconds"
    done
    cold[$module]=$(echo "$times" | tr ' ' '\n' | sed '/^$/d' | median | awk '{printf "%.0f", $1 * 1000}')
    printf '  %-28s %-40s %6s ms\n' "$name" "$handler" "${cold[$module]}"
done <<<"$functions"
echo "build-lambda: done in $(($(date +%s) - started))s"
