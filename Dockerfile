# runnel-silo: one stateless Runnel silo. Build from the repository root:
#
#   docker build -t runnel-silo .
#   docker run --read-only --tmpfs /tmp -p 7100:7100 -p 7180:7180 \
#     -e Runnel__Storage__Kind=azure -e Runnel__Storage__ConnectionString=... runnel-silo
#
# The silo keeps no state of its own: topics, partitions and membership live in the store (Azure Blob Storage; the
# file store under /var/lib/runnel only suits a single host). Settings are Runnel__... environment variables or
# runnel-silo switches appended to `docker run`; see `runnel-silo --help`.

ARG DOTNET_VERSION=10.0

# ---- build: restore and publish with the SDK ------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /source
# The build's rules and package versions first, then the projects the silo is built from (src/, Silo/ and the client library).
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
COPY Silo/ Silo/
# The silo's dashboard reads the cluster through the client library's admin API.
COPY Client/Runnel.Client/ Client/Runnel.Client/
RUN dotnet restore Silo/Silo.csproj
RUN dotnet publish Silo/Silo.csproj --no-restore -c Release -o /app

# ---- runtime: ASP.NET Core runtime only, as a non-root user --------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
WORKDIR /app
COPY --from=build /app ./

# In a container the silo listens on every interface and advertises the container's own address: {machine} is the
# host name, which the container runtime maps to the container's IP (Kubernetes sets the pod IP explicitly instead).
# The aspnet image's default HTTP port (8080) is cleared: the silo binds its own ports.
ENV Runnel__Silo__ListenAddress=0.0.0.0 \
    Runnel__Silo__AdvertisedAddress={machine} \
    Runnel__Silo__Port=7100 \
    Runnel__Silo__SiloPort=8100 \
    Runnel__HttpPort=7180 \
    Runnel__Storage__DataDirectory=/var/lib/runnel \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1

# Nothing under / is written at run time except the file store's directory (a volume) and /tmp (the runtime's
# diagnostics socket): with --read-only, mount a tmpfs at /tmp. 1654 is the 'app' user the .NET images create;
# numeric, so Kubernetes can check runAsNonRoot.
RUN mkdir -p /var/lib/runnel && chown 1654:1654 /var/lib/runnel
VOLUME /var/lib/runnel
USER 1654

# 7100: the gateway, where clients connect. 8100: the other silos of the cluster, at the address this one advertises.
# 7180: /healthz, /readyz and /metrics.
EXPOSE 7100 8100 7180

# Liveness through the silo's own binary (the image has no curl): GET /healthz on the HTTP port.
HEALTHCHECK --interval=15s --timeout=6s --start-period=20s --retries=3 \
    CMD ["/app/runnel-silo", "--health-check"]

# SIGTERM stops the silo gracefully (partitions sealed and released); give `docker stop` -t 45 for the full 30 s
# shutdown timeout plus slack.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/runnel-silo"]
