namespace Runnel.Benchmarks;

/// <summary>The trivial grain the calls benchmark measures.</summary>
[GrainType("bench.echo")]
public interface IBenchGrain : IGrainWithStringKey
{
    ValueTask<int> EchoAsync(int value, CancellationToken cancellationToken = default);
}
