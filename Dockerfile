# Multi-stage: Maven builds the jar, a JRE runs it as a non-root user.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -q -B dependency:go-offline
COPY src src
COPY conf conf
RUN mvn -q -B package -DskipTests

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --no-create-home crowdwire
WORKDIR /app
COPY --from=build /src/target/crowdwire.jar crowdwire.jar
COPY conf conf
USER 10001
# Public port (webhook, realtime) and the internal management port (/metrics, /health, /ready).
EXPOSE 8080 9090 5701 5702
# Exec form: java is PID 1 and gets SIGTERM itself, so a stopping container drains instead of being killed.
ENTRYPOINT ["java", "@conf/jvm.options", "-jar", "crowdwire.jar"]
