using Runnel.Testing;

namespace Runnel.Chaos.Cluster;

/// <summary>
/// The one store every silo of the run shares: a temporary data directory (file store), or an Azurite started for the
/// run from the repository's node_modules. Azurite can be frozen (SIGSTOP) to inject store faults for every silo at
/// once; the file store has no fault hook in <c>runnel-silo</c>, so it injects none.
/// </summary>
internal sealed class ChaosStore : IAsyncDisposable
{
    private readonly AzuriteFixture? _azurite;

    private ChaosStore(string kind, IReadOnlyList<string> siloArguments, AzuriteFixture? azurite)
    {
        Kind = kind;
        SiloArguments = siloArguments;
        _azurite = azurite;
    }

    /// <summary><c>file</c> or <c>azurite</c>.</summary>
    public string Kind { get; }

    /// <summary>The <c>runnel-silo</c> switches that point a silo at this store.</summary>
    public IReadOnlyList<string> SiloArguments { get; }

    /// <summary>True when <see cref="Freeze"/> can inject a store fault.</summary>
    public bool SupportsFaults => _azurite is not null;

    public static async Task<ChaosStore> StartAsync(string kind, string runDirectory)
    {
        switch (kind)
        {
            case "file":
                var data = Path.Combine(runDirectory, "data");
                Directory.CreateDirectory(data);
                return new ChaosStore(kind, ["--storage", "file", "--data-dir", data], null);
            case "azurite":
                var azurite = new AzuriteFixture();
                try
                {
                    await azurite.InitializeAsync().ConfigureAwait(false);
                    ChildProcesses.Add(System.Diagnostics.Process.GetProcessById(azurite.ProcessId));
                }
                catch
                {
                    await azurite.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                return new ChaosStore(kind, ["--storage", "azure", "--connection-string", azurite.ConnectionString, "--container", "chaos"], azurite);
            default:
                throw new ArgumentException($"--store must be 'file' or 'azurite' (was '{kind}').");
        }
    }

    /// <summary>Freezes the store's process (SIGSTOP): every store call of every silo hangs until <see cref="Thaw"/>.</summary>
    public void Freeze()
    {
        var azurite = _azurite ?? throw new InvalidOperationException($"The {Kind} store has no fault hook.");
        Signals.Send(azurite.ProcessId, Signals.Stop);
    }

    /// <summary>Lets a frozen store run again (SIGCONT).</summary>
    public void Thaw()
    {
        if (_azurite is { } azurite)
        {
            Signals.Send(azurite.ProcessId, Signals.Continue);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_azurite is { } azurite)
        {
            Thaw();
            await azurite.DisposeAsync().ConfigureAwait(false);
        }
    }
}
