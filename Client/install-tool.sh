#!/usr/bin/env bash
# Installs the runnel CLI from this checkout as a global .NET tool (~/.dotnet/tools/runnel): packs Client/ into
# artifacts/nupkg and (re)installs Runnel.Cli from there, and only from there (a nuget.config of its own, so that no
# package of the same name from another feed is taken). Run it again after pulling to update.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$repo/artifacts/nupkg"
rm -rf "$out"
mkdir -p "$out"
dotnet pack "$repo/Client/Client.csproj" -c Release -o "$out" -nologo -v q
cat > "$out/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="runnel-local" value="$out" />
  </packageSources>
</configuration>
CONFIG
dotnet tool uninstall --global Runnel.Cli >/dev/null 2>&1 || true
dotnet tool install --global --configfile "$out/nuget.config" Runnel.Cli
case ":$PATH:" in
  *":$HOME/.dotnet/tools:"*) ;;
  *) echo "runnel is in ~/.dotnet/tools, which is not on PATH: export PATH=\"\$PATH:\$HOME/.dotnet/tools\"" ;;
esac
