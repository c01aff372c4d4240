# actor-rollouts serve in a container: the rollout service a trainer drives (docs/service.md).
#   docker build -t actor-rollouts .
#   docker run --rm -p 7878:7878 -v rollouts:/data --security-opt seccomp=unconfined --security-opt apparmor=unconfined actor-rollouts
# bubblewrap and the workspaces' overlay mounts need unprivileged user namespaces, which Docker's default seccomp and
# AppArmor profiles refuse; hence the two --security-opt.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# ReadyToRun: the engine does not spend its first seconds compiling itself (docs/install.md).
RUN dotnet publish src/ActorRollouts.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -m:1 -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap util-linux ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
VOLUME /data
EXPOSE 7878
# Listening on 0.0.0.0, serve prints a token every request must present (Authorization: Bearer): see `docker logs`.
ENTRYPOINT ["/app/actor-rollouts", "serve", "--data-dir", "/data", "--host", "0.0.0.0", "--port", "7878"]
