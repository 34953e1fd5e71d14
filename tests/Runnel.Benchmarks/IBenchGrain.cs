namespace Runnel.Benchmarks;

/// <summary>The trivial grain the calls benchmark measures.</summary>
[Alias("bench.echo")]
public interface IBenchGrain : IGrainWithStringKey
{
    /// <summary><paramref name="value"/> + 1 (the benchmark checks the answer before timing).</summary>
    [Alias("EchoAsync")]
    ValueTask<int> EchoAsync(int value, CancellationToken cancellationToken = default);
}
