# syntax=docker/dockerfile:1
# mysql-proxy container image: docker build -t mysql-proxy:0.1.0 .
# The same layout as a local build: bin/mysql-proxy with MYSQL_PROXY_HOME pointing at a folder of jars.

# --- build: the project's own package command, tests left to CI ---------------------------------------
FROM maven:3.9.11-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
# Exactly the project's package command (README); the cache mount keeps ~/.m2 between builds.
RUN --mount=type=cache,target=/root/.m2 mvn -B -DskipTests package

# --- runtime: a JRE only, as an unprivileged user ---------------------------------------------------
FROM eclipse-temurin:21.0.8_9-jre-noble
RUN groupadd --system --gid 10001 mysqlproxy \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin mysqlproxy
COPY --from=build /src/bin/mysql-proxy /opt/mysql-proxy/bin/mysql-proxy
COPY --from=build /src/proxy-app/target/mysql-proxy/lib/ /opt/mysql-proxy/lib/
# A working default; Kubernetes mounts the mysql-proxy-config ConfigMap over it.
COPY deploy/base/proxy/application.conf /etc/mysql-proxy/application.conf

# JVM sized from the container's memory limit: heap 40 %, Netty's direct buffers (capped at the heap
# size by default) another 40 %, the rest for metaspace, code cache and thread stacks. Exit on OOM so
# Kubernetes restarts the pod instead of it limping on. No hsperfdata file, so the root file system
# can be read-only; /tmp (Netty's native library) must be writable, e.g. an emptyDir.
ENV MYSQL_PROXY_HOME=/opt/mysql-proxy \
    MYSQL_PROXY_PORT=3306 \
    MYSQL_PROXY_ADMIN_PORT=9090 \
    JAVA_OPTS="-XX:+UseContainerSupport -XX:MaxRAMPercentage=40.0 -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData -Djava.io.tmpdir=/tmp"

USER 10001:10001
# 9090, the admin port, binds 127.0.0.1 unless MYSQL_PROXY_ADMIN_HOST names another address: deploy/ gives it
# the pod IP; `docker run -p 9090:9090` needs MYSQL_PROXY_ADMIN_HOST=0.0.0.0 (and MYSQL_PROXY_ADMIN_TOKEN for /backends).
EXPOSE 3306 9090
ENTRYPOINT ["/opt/mysql-proxy/bin/mysql-proxy"]
CMD ["run", "--config", "/etc/mysql-proxy/application.conf"]
