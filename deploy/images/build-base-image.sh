#!/usr/bin/env bash
# Assembles a minimal JRE base image as a docker-save tarball from local files only — a jlink'ed runtime of the JDK
# that runs the build plus the glibc and C++ runtime libraries of this machine — so Jib can build real, runnable
# service images without pulling a base image (CI reaches no container registry):
#
#   deploy/images/build-base-image.sh target/kiln-jre-base.tar
#   ./mvnw -pl gateway-service jib:buildTar -Djib.from.image=tar://$PWD/target/kiln-jre-base.tar
#
# Release images use eclipse-temurin:21-jre (see deploy/README.md); this base is for offline builds and checks.
set -euo pipefail

out=${1:?usage: build-base-image.sh <output.tar>}
java_home=${JAVA_HOME:?JAVA_HOME must point at a JDK (21 or newer) with jlink}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs/opt" "$rootfs/app" "$rootfs/tmp" "$rootfs/models" "$rootfs/etc"
chmod 1777 "$rootfs/tmp" "$rootfs/models"

# The modules a Spring Boot service with AWS SDK, Lettuce, Micrometer and DJL uses (java.desktop for ImageIO).
"$java_home/bin/jlink" \
	--add-modules java.base,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs \
	--strip-debug --no-header-files --no-man-pages --compress=zip-6 --output "$rootfs/opt/java"

# Shared libraries the runtime (headless) and libtorch need, copied with their paths.
libs=$( (ldd "$rootfs/opt/java/bin/java"; find "$rootfs/opt/java/lib" -name '*.so' ! -name '*xawt*' ! -name 'libsplashscreen.so' \
	! -name 'libjsound.so' -exec ldd {} \;) 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | grep -v "^$rootfs" | sort -u)
for extra in libstdc++.so.6 libgcc_s.so.1 libgomp.so.1; do
	# awk reads to the end (no early exit): with pipefail, ldconfig killed by SIGPIPE would fail the script once its
	# output outgrows the pipe buffer, as it does on machines with many libraries installed.
	path=$(ldconfig -p | awk -v lib="$extra" '$1 == lib && /x86-64/ && !found {print $NF; found = 1}')
	if [[ -n "$path" ]]; then libs="$libs"$'\n'"$path"; fi
done
while read -r lib; do
	[[ -z "$lib" ]] && continue
	cp -L --parents "$lib" "$rootfs"
done <<< "$libs"
printf 'root:x:0:0:root:/root:/sbin/nologin\nkiln:x:65532:65532:kiln:/app:/sbin/nologin\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nkiln:x:65532:\n' > "$rootfs/etc/group"

tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
cat > "$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/opt/java/bin:/usr/local/bin:/usr/bin:/bin","JAVA_HOME=/opt/java"],"WorkingDir":"/app"},"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},"history":[{"created_by":"deploy/images/build-base-image.sh"}]}
JSON
echo '[{"Config":"config.json","RepoTags":["kiln/jre-base:local"],"Layers":["layer.tar"]}]' > "$work/manifest.json"
mkdir -p "$(dirname "$out")"
tar -C "$work" -cf "$out" manifest.json config.json layer.tar
echo "$out: $(du -h "$out" | cut -f1), $(wc -l <<< "$libs") libraries, layer sha256:$diff_id"
