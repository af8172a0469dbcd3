# kembed, built from a clean clone in one command (no build on the host first):
#   docker build -t kembed .
# Stage 1 runs Maven (tests are mvn verify's job, not the image's); stage 2 is a JRE with the jar and
# only the native libraries linux-x86_64 loads (scripts/slim-libs.sh: target/lib 349 MB -> 64 MB; the
# MiniLM jar that builds the demo model is left out, since the model is mounted at /models).
# NOT BUILT HERE: the project's build machines have no Docker engine (README "Deploying").

FROM maven:3.9-eclipse-temurin-17 AS build
RUN apt-get update && apt-get install -y --no-install-recommends zip && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pom.xml .
RUN mvn -q -B dependency:go-offline
COPY schemas schemas
COPY src src
COPY scripts/slim-libs.sh scripts/slim-libs.sh
RUN mvn -q -B -DskipTests package && scripts/slim-libs.sh target/lib --without-demo-model

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /opt/kembed kembed && mkdir -p /data && chown kembed /data
WORKDIR /opt/kembed
COPY --from=build /src/target/kembed.jar /opt/kembed/kembed.jar
COPY --from=build /src/target/lib /opt/kembed/lib
ENV DJL_OFFLINE=true RUST_FLAVOR=cpu DJL_CACHE_DIR=/data/djl \
    JAVA_TOOL_OPTIONS="-Dai.djl.offline=true -Dai.djl.default_engine=OnnxRuntime -XX:MaxRAMPercentage=75"
USER kembed
# models are mounted at /models, state lives in /data (a volume: restarts then restore less from changelogs)
VOLUME ["/data"]
EXPOSE 9400
ENTRYPOINT ["java", "-jar", "/opt/kembed/kembed.jar"]
CMD ["run", "--config", "/etc/kembed/kembed.properties", "--data-dir", "/data"]
