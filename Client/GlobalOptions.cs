using System.CommandLine;
using Runnel.Client;
using Runnel.Storage;

namespace Runnel.Cli;

/// <summary>Options every command takes: where the cluster is.</summary>
internal sealed class GlobalOptions
{
    private readonly CliIO _io;

    public GlobalOptions(CliIO io)
    {
        _io = io;
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
        DataDirectory = new Option<string?>("--data-dir")
        {
            Description = "The silos' file-store data directory, when this machine can read it: consumers then read sealed segments from it directly instead of through the silos (default: none).",
            Recursive = true,
        };
    }

    public Option<string> Bootstrap { get; }

    public Option<string> ClusterId { get; }

    public Option<string?> DataDirectory { get; }

    public RunnelConnectionOptions ConnectionOptions(ParseResult parse) => RunnelConnectionOptions.Default with
    {
        Bootstrap = RunnelConnectionOptions.ParseBootstrap(parse.GetValue(Bootstrap)!),
        ClusterId = parse.GetValue(ClusterId)!,
        ClientName = "runnel-cli",
        SegmentStore = parse.GetValue(DataDirectory) is { } directory ? OpenStore(directory) : null,
    };

    /// <summary>The file store a silo keeps in <paramref name="directory"/>, read only here.</summary>
    /// <exception cref="CliException">The directory is not a Runnel file store (opening it would make an empty one).</exception>
    private static FileObjectStore OpenStore(string directory) =>
        Directory.Exists(Path.Combine(directory, "blobs"))
            ? new FileObjectStore(directory)
            : throw new CliException($"--data-dir '{directory}' is not a runnel-silo data directory (it has no 'blobs' directory).");

    /// <summary>Connects; while the command runs, losing the cluster and getting it back are said on stderr (a command
    /// otherwise waits in silence for calls that cannot be answered).</summary>
    public async Task<RunnelConnection> ConnectAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var connection = await RunnelConnection.ConnectAsync(ConnectionOptions(parse), cancellationToken: cancellationToken).ConfigureAwait(false);
        connection.ConnectionStateChanged += (_, change) => _io.Error.WriteLine(change.IsConnected
            ? $"Connected to the cluster again ({connection.Endpoint})."
            : $"Lost the connection to the cluster ({connection.Endpoint}); waiting for it to come back (Ctrl-C to stop).");
        return connection;
    }
}
