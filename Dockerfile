# Multi-stage: Maven builds the jar, a JRE runs it as a non-root user.
FROM node:20-bookworm-slim AS node

FROM maven:3.9-eclipse-temurin-17 AS build
# Maven builds the editor page (src/main/web) with Node and npm.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
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
