# KEK in a container: the build stage makes the same .deb scripts/package-deb.sh makes for
# bookworm machines, the runtime stage installs it on debian:bookworm-slim.
#   docker build -t kek .  &&  docker compose up -d      (compose.yaml adds the nginx edge)
# Not run on the machines KEK is developed on (no container engine there): see docs/operations.md.

FROM debian:bookworm AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
COPY scripts/dev.sh scripts/dev.sh
# The build dependencies, the same list scripts/dev.sh installs (it installs, then stops: no tree yet).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      build-essential meson ninja-build pkg-config git ca-certificates python3 curl \
      libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev \
      gstreamer1.0-tools libgstrtspserver-1.0-dev libsoup-3.0-dev libjson-glib-dev libsqlite3-dev \
      libyaml-cpp-dev libsodium-dev libsrt-gnutls-dev libswscale-dev libgtest-dev libgmock-dev nodejs npm dpkg-dev fakeroot \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN bash scripts/package-deb.sh /out

FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /out/ /tmp/deb/
# The .deb names its Debian dependencies; apt resolves them. No systemd in a container: the
# postinst only creates the kek user and /var/lib/kek.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends /tmp/deb/kek_*.deb curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* /tmp/deb
# The installed /etc/kek/kek.yaml, listening on every interface inside the container.
ENV KEK_HTTP__ADDRESS=0.0.0.0
USER kek
WORKDIR /var/lib/kek
VOLUME ["/var/lib/kek"]
EXPOSE 8080 1935 8890/udp 8554
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/api/health >/dev/null || exit 1
ENTRYPOINT ["/usr/bin/kek"]
CMD ["serve", "--config", "/etc/kek/kek.yaml"]
