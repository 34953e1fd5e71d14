using System.Collections.Concurrent;

namespace Runnel.Runtime.Tests.Infrastructure;

/// <summary>A grain state store in memory (a DI singleton), recording activations, saves and loads.</summary>
public sealed class FakeStateStore
{
    private readonly ConcurrentDictionary<string, int> _values = new();
    private readonly ConcurrentDictionary<string, int> _activations = new();

    public TestSignals Signals { get; } = new();

    public int Load(string key) => _values.GetValueOrDefault(key);

    public void Save(string key, int value)
    {
        _values[key] = value;
        Signals.Set("saved:" + key);
    }

    public void RecordActivation(string key) => _activations.AddOrUpdate(key, 1, static (_, n) => n + 1);

    public int Activations(string key) => _activations.GetValueOrDefault(key);
}
