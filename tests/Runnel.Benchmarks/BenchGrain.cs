using Runnel.Runtime;

namespace Runnel.Benchmarks;

internal sealed class BenchGrain : Grain, IBenchGrain
{
    public ValueTask<int> EchoAsync(int value, CancellationToken cancellationToken = default) => ValueTask.FromResult(value + 1);
}
