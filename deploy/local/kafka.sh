#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft: broker + controller in one JVM), run
# straight from the jars on Maven Central -- no Docker, no tarball download.
#
# usage: deploy/local/kafka.sh fetch|format|start|stop|restart|status|create-topics TOPIC...|log
#
#   fetch          copy the broker jars into $FP_CACHE_DIR/kafka-<version>/libs
#                  (Maven, via deploy/kafka/pom.xml); no-op when already there
#   format         format the KRaft storage if it is not formatted yet
#                  (start does this by itself)
#   start          fetch + format if needed, start the broker in the background,
#                  wait until it serves requests; no-op if already running
#   stop           SIGTERM, wait up to 30 s, then SIGKILL; no-op if not running
#   status         exit 0 if running, 3 if not
#   create-topics  create the given topics if missing, all in one JVM
#                  (partitions: $FP_KAFKA_TOPIC_PARTITIONS, default 3; replication 1)
#   log            print the last 100 lines of the broker log
#
# environment (all optional):
#   FP_CACHE_DIR              default $REPO/.cache   (jars, compiled helper, CDS archive)
#   FP_DATA_DIR               default $REPO/.data    (kafka/ data, logs/kafka.log, run/kafka.pid)
#   FP_KAFKA_PORT             default 9092           (PLAINTEXT, advertised as localhost)
#   FP_KAFKA_CONTROLLER_PORT  default 9093
#   FP_KAFKA_VERSION          default: kafka.version in deploy/kafka/pom.xml
#   FP_KAFKA_HEAP_OPTS        default "-Xmx512m -Xms256m"
#   FP_KAFKA_START_TIMEOUT    default 90 (seconds)
#   FP_KAFKA_TOPIC_PARTITIONS default 3
#   FP_KAFKA_CDS              default 1; 0 = no class-data-sharing archive (see cds_opts)
#   FP_M2_REPO                Maven local repository (default: Maven's, ~/.m2/repository)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
POM="$REPO/deploy/kafka/pom.xml"
PROPS_TEMPLATE="$REPO/deploy/kafka/server.properties.in"
LOG4J_CONFIG="$REPO/deploy/kafka/log4j2.yaml"
CREATE_TOPICS_SRC="$REPO/deploy/kafka/CreateTopics.java"

CACHE_DIR="${FP_CACHE_DIR:-$REPO/.cache}"
DATA_DIR="${FP_DATA_DIR:-$REPO/.data}"
PORT="${FP_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${FP_KAFKA_CONTROLLER_PORT:-9093}"
HEAP_OPTS="${FP_KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
START_TIMEOUT="${FP_KAFKA_START_TIMEOUT:-90}"
TOPIC_PARTITIONS="${FP_KAFKA_TOPIC_PARTITIONS:-3}"

if [[ -n "${FP_KAFKA_VERSION:-}" ]]; then
    KAFKA_VERSION="$FP_KAFKA_VERSION"
else
    KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
fi

KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_HOME/libs"
FETCH_MARKER="$KAFKA_HOME/.fetched"

KAFKA_DIR="$DATA_DIR/kafka"
KRAFT_LOG_DIR="$KAFKA_DIR/data"
PROPS="$KAFKA_DIR/server.properties"
LOG_DIR="$DATA_DIR/logs"
LOG_FILE="$LOG_DIR/kafka.log"
RUN_DIR="$DATA_DIR/run"
PID_FILE="$RUN_DIR/kafka.pid"

log() { echo "[kafka] $*"; }
err() { echo "[kafka] ERROR: $*" >&2; }
die() { err "$@"; exit 1; }

need_java() {
    command -v java >/dev/null 2>&1 ||
        die "java not found (Kafka $KAFKA_VERSION needs Java 17+); run deploy/local/install-system.sh"
}

# A fingerprint of what the jar set depends on: pom content + version.
fetch_fingerprint() {
    { cat "$POM"; echo "version=$KAFKA_VERSION"; } | sha256sum | cut -d' ' -f1
}

cmd_fetch() {
    local want
    want="$(fetch_fingerprint)"
    if [[ -f "$FETCH_MARKER" && "$(cat "$FETCH_MARKER")" == "$want" ]]; then
        log "Kafka $KAFKA_VERSION already fetched ($LIBS)"
        return 0
    fi
    need_java
    command -v mvn >/dev/null 2>&1 || die "mvn not found; run deploy/local/install-system.sh"
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS ..."
    local started=$SECONDS tmp="$KAFKA_HOME/libs.tmp.$$"
    mkdir -p "$KAFKA_HOME"
    rm -rf "$tmp"
    local mvn_args=(-q -B -Dstyle.color=never -f "$POM" "-Dkafka.version=$KAFKA_VERSION"
        dependency:copy-dependencies "-DoutputDirectory=$tmp" -DincludeScope=runtime)
    if [[ -n "${FP_M2_REPO:-}" ]]; then
        mvn_args+=("-Dmaven.repo.local=$FP_M2_REPO")
    fi
    # Maven's output (and its stray ANSI codes) only matters when it fails.
    if ! mvn "${mvn_args[@]}" >"$KAFKA_HOME/fetch.log" 2>&1; then
        rm -rf "$tmp"
        tail -n 40 "$KAFKA_HOME/fetch.log" >&2
        die "maven could not fetch Kafka $KAFKA_VERSION (full output: $KAFKA_HOME/fetch.log)"
    fi
    ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "no kafka_2.13 jar was fetched into $tmp"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    rm -rf "$KAFKA_HOME"/classes-*   # compiled helpers belong to the old jar set
    echo "$want" >"$FETCH_MARKER"
    log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars ($(du -sh "$LIBS" | cut -f1)) in $((SECONDS - started)) s"
}

# Same JVM flags as Kafka's own kafka-server-start.sh / kafka-run-class.sh
# (heap options are added by the caller).
java_opts() {
    JAVA_OPTS=(-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
        -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15
        -Djava.awt.headless=true
        "-Dlog4j2.configurationFile=$LOG4J_CONFIG"
        "-Dkafka.logs.dir=$LOG_DIR")
}

# Class-data sharing (AppCDS) archive of the broker's classes: saves ~1.2 s
# of the ~4 s start. The first start records it (-XX:ArchiveClassesAtExit),
# the JVM writes it on a clean exit (so the first `stop` takes ~1.5 s longer),
# later starts map it. Keyed by the java binary and the jar set; a stale or
# broken archive is simply ignored by the JVM. FP_KAFKA_CDS=0 disables it.
cds_opts() {
    CDS_OPTS=()
    [[ "${FP_KAFKA_CDS:-1}" == 1 ]] || return 0
    local java_bin key
    java_bin="$(readlink -f "$(command -v java)")"
    key="$({ echo "$java_bin"; stat -c %Y "$java_bin"; cat "$FETCH_MARKER"; } | sha256sum | cut -c1-12)"
    local archive="$KAFKA_HOME/cds-$key.jsa"
    if [[ -f "$archive" ]]; then
        CDS_OPTS=("-XX:SharedArchiveFile=$archive")
    else
        rm -f "$KAFKA_HOME"/cds-*.jsa "$KAFKA_HOME"/cds-*.jsa.tmp
        CDS_OPTS=("-XX:ArchiveClassesAtExit=$archive.tmp")
    fi
    # CDS chatter ("Skipping ...: Not linked") would otherwise go to kafka.log
    CDS_OPTS+=(-Xlog:cds=off -Xlog:cds+dynamic=off)
}

# After a clean exit the recorded archive is complete: publish it.
cds_publish() {
    local tmp
    for tmp in "$KAFKA_HOME"/cds-*.jsa.tmp; do
        [[ -f "$tmp" ]] || continue
        if [[ "$1" == clean ]]; then mv -f "$tmp" "${tmp%.tmp}"; else rm -f "$tmp"; fi
    done
}

render_props() {
    mkdir -p "$KAFKA_DIR" "$KRAFT_LOG_DIR"
    local tmp="$PROPS.tmp.$$"
    sed -e "s|@PORT@|$PORT|g" \
        -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
        -e "s|@LOG_DIRS@|$KRAFT_LOG_DIR|g" \
        "$PROPS_TEMPLATE" >"$tmp"
    mv "$tmp" "$PROPS"
}

# Kafka Uuid: 16 random bytes, URL-safe base64 without padding (22 chars),
# not starting with '-' (Kafka's own Uuid.randomUuid() avoids that too).
random_cluster_id() {
    local id
    while :; do
        id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
        [[ "$id" != -* ]] && break
    done
    echo "$id"
}

cmd_format() {
    cmd_fetch
    need_java
    render_props
    if [[ -f "$KRAFT_LOG_DIR/meta.properties" ]]; then
        log "storage already formatted ($KRAFT_LOG_DIR)"
        return 0
    fi
    local cluster_id
    cluster_id="$(random_cluster_id)"
    log "formatting KRaft storage in $KRAFT_LOG_DIR (cluster id $cluster_id)"
    java_opts
    java -Xmx256m "${JAVA_OPTS[@]}" -Dfp.kafka.log.level=WARN -Dfp.kafka.log.target=SYSTEM_ERR \
        -cp "$LIBS/*" kafka.tools.StorageTool format \
        --config "$PROPS" --cluster-id "$cluster_id" --ignore-formatted \
        >"$KAFKA_DIR/format.out" 2>&1 || {
        cat "$KAFKA_DIR/format.out" >&2
        die "formatting the Kafka storage failed"
    }
}

# Alive and not a zombie (an exited broker stays a zombie until PID 1 reaps it).
proc_alive() {
    local state
    state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1 || true)"
    [[ -n "$state" && "$state" != Z ]]
}

# PID of our running broker, or nothing. Checks that the pid really is a
# kafka.Kafka JVM using our config (pids get reused after a reboot/kill -9).
running_pid() {
    [[ -f "$PID_FILE" ]] || return 0
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    proc_alive "$pid" || return 0
    local cmdline
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$cmdline" == *kafka.Kafka*"$PROPS"* ]] || return 0
    echo "$pid"
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

log_tail() {
    [[ -f "$LOG_FILE" ]] || return 0
    echo "[kafka] ---- last 40 lines of $LOG_FILE ----" >&2
    tail -n 40 "$LOG_FILE" >&2
    echo "[kafka] ----" >&2
}

# Ready = the broker logged that it finished starting AND the port accepts.
broker_ready() {
    grep -q "Kafka Server started" "$LOG_FILE" 2>/dev/null && port_open "$PORT"
}

wait_ready() {
    local pid="$1" started="$2"
    local deadline=$((started + START_TIMEOUT))
    while ! broker_ready; do
        if ! proc_alive "$pid"; then
            rm -f "$PID_FILE"
            log_tail
            die "the broker exited during startup (see $LOG_FILE)"
        fi
        if ((SECONDS >= deadline)); then
            log_tail
            err "the broker did not become ready within ${START_TIMEOUT} s (FP_KAFKA_START_TIMEOUT); stopping it"
            cmd_stop >&2
            exit 1
        fi
        sleep 0.2
    done
}

cmd_start() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        if ! broker_ready; then
            log "already started (pid $pid) but not ready yet; waiting"
            wait_ready "$pid" "$SECONDS"
        fi
        log "already running (pid $pid, localhost:$PORT)"
        return 0
    fi
    rm -f "$PID_FILE"
    for p in "$PORT" "$CONTROLLER_PORT"; do
        if port_open "$p"; then
            die "port $p is already in use by another process (not our broker); stop it or set FP_KAFKA_PORT / FP_KAFKA_CONTROLLER_PORT"
        fi
    done
    cmd_format
    mkdir -p "$LOG_DIR" "$RUN_DIR"
    # keep one previous log; start each run with a fresh file
    if [[ -f "$LOG_FILE" ]]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi

    log "starting Kafka $KAFKA_VERSION on localhost:$PORT (controller :$CONTROLLER_PORT, data $KAFKA_DIR, log $LOG_FILE)"
    local started=$SECONDS
    java_opts
    local heap
    read -r -a heap <<<"$HEAP_OPTS"
    cds_opts
    # setsid: own session, so the broker survives the caller's terminal/job
    # control; without job control setsid execs, so $! is the java pid.
    setsid nohup java "${heap[@]}" "${JAVA_OPTS[@]}" "${CDS_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$PROPS" \
        </dev/null >"$LOG_FILE" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$PID_FILE"

    wait_ready "$pid" "$started"
    log "ready on localhost:$PORT (pid $pid) after $((SECONDS - started)) s"
}

cmd_stop() {
    local pid
    pid="$(running_pid)"
    if [[ -z "$pid" ]]; then
        log "not running"
        rm -f "$PID_FILE"
        return 0
    fi
    log "stopping (pid $pid) ..."
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 300; i++)); do
        proc_alive "$pid" || break
        sleep 0.1
    done
    if proc_alive "$pid"; then
        log "did not stop within 30 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            proc_alive "$pid" || break
            sleep 0.1
        done
        cds_publish killed
    else
        cds_publish clean
    fi
    rm -f "$PID_FILE"
    log "stopped"
}

cmd_status() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        if port_open "$PORT"; then
            log "running (pid $pid, localhost:$PORT, Kafka $KAFKA_VERSION)"
        else
            log "running (pid $pid) but localhost:$PORT does not accept connections (yet)"
        fi
        return 0
    fi
    log "not running"
    return 3
}

# Compile CreateTopics.java once per (source, jar set); works with a JRE that
# has the jdk.compiler module (Debian's openjdk-17-jre-headless has it) -- no
# javac binary needed.
compile_helper() {
    local hash
    hash="$(sha256sum "$CREATE_TOPICS_SRC" | cut -c1-12)"
    HELPER_CLASSES="$KAFKA_HOME/classes-$hash"
    [[ -f "$HELPER_CLASSES/CreateTopics.class" ]] && return 0
    local tmp="$HELPER_CLASSES.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    # javac run this way does not expand "dir/*" class paths: list the jar.
    local clients_jar
    clients_jar="$(find "$LIBS" -maxdepth 1 -name 'kafka-clients-*.jar' | head -n1)"
    [[ -n "$clients_jar" ]] || die "kafka-clients jar missing in $LIBS"
    if ! java -m jdk.compiler/com.sun.tools.javac.Main -nowarn -d "$tmp" -cp "$clients_jar" "$CREATE_TOPICS_SRC"; then
        rm -rf "$tmp"
        die "could not compile $CREATE_TOPICS_SRC"
    fi
    rm -rf "$HELPER_CLASSES"
    mv "$tmp" "$HELPER_CLASSES"
}

cmd_create_topics() {
    (($# > 0)) || die "usage: $0 create-topics TOPIC..."
    cmd_fetch >/dev/null
    need_java
    [[ -n "$(running_pid)" ]] || port_open "$PORT" || die "no broker on localhost:$PORT; run: $0 start"
    compile_helper
    java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
        "-Dlog4j2.configurationFile=$LOG4J_CONFIG" -Dfp.kafka.log.level=WARN -Dfp.kafka.log.target=SYSTEM_ERR \
        -cp "$LIBS/*:$HELPER_CLASSES" CreateTopics "localhost:$PORT" "$TOPIC_PARTITIONS" 1 "$@"
}

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# Serialise start/stop/format of the same data dir (e.g. two test runners
# starting the broker at once). fd 9 is closed for the broker itself.
lock() {
    mkdir -p "$RUN_DIR"
    exec 9>"$RUN_DIR/kafka.lock"
    flock -w 180 9 || die "could not get $RUN_DIR/kafka.lock within 180 s"
}

main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
        start | stop | restart | format) lock ;;
    esac
    case "$cmd" in
        fetch) cmd_fetch ;;
        format) cmd_format ;;
        start) cmd_start ;;
        stop) cmd_stop ;;
        restart) cmd_stop && cmd_start ;;
        status) cmd_status ;;
        create-topics) cmd_create_topics "$@" ;;
        log) tail -n 100 "$LOG_FILE" ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
