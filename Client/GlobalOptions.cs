using System.CommandLine;
using Runnel.Client;

namespace Runnel.Cli;

/// <summary>Options every command takes: where the cluster is.</summary>
internal sealed class GlobalOptions
{
    public GlobalOptions(CliIO io)
    {
        Bootstrap = new Option<string>("--bootstrap", "-b")
        {
            Description = "Seed silos, host:port[,host:port...] (default: $RUNNEL_BOOTSTRAP, else 127.0.0.1:7100).",
            Recursive = true,
            DefaultValueFactory = _ => io.Environment("RUNNEL_BOOTSTRAP") is { Length: > 0 } env ? env : "127.0.0.1:7100",
        };
        ClusterId = new Option<string>("--cluster-id")
        {
            Description = "The cluster id the silos run with (default: $RUNNEL_CLUSTER_ID, else dev).",
            Recursive = true,
            DefaultValueFactory = _ => io.Environment("RUNNEL_CLUSTER_ID") is { Length: > 0 } env ? env : "dev",
        };
    }

    public Option<string> Bootstrap { get; }

    public Option<string> ClusterId { get; }

    public RunnelConnectionOptions ConnectionOptions(ParseResult parse) => RunnelConnectionOptions.Default with
    {
        Bootstrap = RunnelConnectionOptions.ParseBootstrap(parse.GetValue(Bootstrap)!),
        ClusterId = parse.GetValue(ClusterId)!,
        ClientName = "runnel-cli",
    };

    public Task<RunnelConnection> ConnectAsync(ParseResult parse, CancellationToken cancellationToken) =>
        RunnelConnection.ConnectAsync(ConnectionOptions(parse), cancellationToken: cancellationToken);
}
