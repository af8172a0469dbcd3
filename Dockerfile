# kembed image: build the jar first (mvn -q -DskipTests package), then: docker build -t kembed .
FROM eclipse-temurin:17-jre
WORKDIR /opt/kembed
COPY target/kembed.jar /opt/kembed/kembed.jar
COPY target/lib /opt/kembed/lib
ENV DJL_OFFLINE=true RUST_FLAVOR=cpu \
    JAVA_TOOL_OPTIONS="-Dai.djl.offline=true -Dai.djl.default_engine=OnnxRuntime -XX:MaxRAMPercentage=75"
# models are mounted at /models, state lives in /data (a volume: restarts then restore less from changelogs)
VOLUME ["/data"]
EXPOSE 9400
ENTRYPOINT ["java", "-jar", "/opt/kembed/kembed.jar"]
CMD ["run", "--config", "/etc/kembed/kembed.properties", "--data-dir", "/data"]
