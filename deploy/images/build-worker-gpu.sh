#!/usr/bin/env bash
# Builds the GPU worker image kiln/generation-worker-<flavour> (today kiln/generation-worker-cu128): first its CUDA
# base (worker-cuda-base/Dockerfile: CUDA runtime, JRE 21, libtorch, DJL's JNI library), then the worker on it with
# Jib, like every other Kiln image. Needs a Docker daemon and network access to Docker Hub and download.pytorch.org.
#
#   deploy/images/build-worker-gpu.sh                                    # into the local Docker daemon
#   deploy/images/build-worker-gpu.sh 123456789012.dkr.ecr.us-east-1.amazonaws.com/   # and push both images there
#
# The versions are not written here: PyTorch and DJL come from the pytorch-jni jar inside the worker the Maven build
# just produced (the root pom's pytorch.version and djl.version), the CUDA flavour from the Dockerfile's
# ARG PYTORCH_FLAVOR. Extra arguments after the registry (pass "" for none) go to docker build, e.g.
#   deploy/images/build-worker-gpu.sh "" --build-arg LIBTORCH_SHA256=<sha256 of the LibTorch zip>
set -euo pipefail

registry=${1:-}
shift || true
root=$(cd "$(dirname "$0")/../.." && pwd)
dockerfile="$root/deploy/images/worker-cuda-base/Dockerfile"
flavor=$(sed -n 's/^ARG PYTORCH_FLAVOR=\([a-z0-9]*\)$/\1/p' "$dockerfile")
[[ -n "$flavor" ]] || { echo "no ARG PYTORCH_FLAVOR=... in $dockerfile" >&2; exit 1; }

# install, so that the Jib call below can run on the worker alone (Jib invoked on the command line would also run on
# the worker's library modules)
"$root/mvnw" -B -q -f "$root/pom.xml" -pl generation-worker -am install -DskipTests
exec_jar=$(ls "$root"/generation-worker/target/kiln-generation-worker-*-exec.jar)
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
jni_entry=$(unzip -Z1 "$exec_jar" | grep '^BOOT-INF/lib/pytorch-jni-.*\.jar$')
unzip -p "$exec_jar" "$jni_entry" > "$context/pytorch-jni.jar"
jni_version=$(unzip -p "$context/pytorch-jni.jar" jnilib/pytorch.properties | sed -n 's/^jni_version=//p')
pytorch_version=${jni_version%%-*}
djl_version=${jni_version#*-}
if ! unzip -l "$context/pytorch-jni.jar" "jnilib/linux-x86_64/$flavor/libdjl_torch.so" > /dev/null; then
	echo "pytorch-jni $jni_version has no JNI library for $flavor; it has:" >&2
	unzip -Z1 "$context/pytorch-jni.jar" | grep '^jnilib/linux-x86_64/.*/libdjl_torch.so$' >&2
	exit 1
fi

base="${registry}kiln/generation-worker-cuda-base:${pytorch_version}-${flavor}-djl${djl_version}"
echo "Building $base (PyTorch $pytorch_version, $flavor, DJL $djl_version)"
docker build -f "$dockerfile" -t "$base" --build-arg "PYTORCH_VERSION=$pytorch_version" \
	--build-arg "DJL_VERSION=$djl_version" "$@" "$context"

if [[ -n "$registry" ]]; then
	docker push "$base"
	"$root/mvnw" -B -q -f "$root/pom.xml" -pl generation-worker jib:build -Djib.from.image="$base" \
		-Dkiln.image.registry="$registry" -Dkiln.image.name="generation-worker-$flavor"
else
	"$root/mvnw" -B -q -f "$root/pom.xml" -pl generation-worker jib:dockerBuild -Djib.from.image="docker://$base" \
		-Dkiln.image.name="generation-worker-$flavor"
fi
echo "Built ${registry}kiln/generation-worker-$flavor on $base"
