namespace Runnel.Benchmarks;

[GrainType("bench.echo")]
internal sealed class BenchGrain : Grain, IBenchGrain
{
    public ValueTask<int> EchoAsync(int value, CancellationToken cancellationToken = default) => ValueTask.FromResult(value + 1);
}
