using BenchmarkDotNet.Running;

namespace Runnel.Benchmarks.Micro;

/// <summary><c>micro</c>: the BenchmarkDotNet micro-benchmarks (with [MemoryDiagnoser]). Arguments after <c>micro</c>
/// go to BenchmarkDotNet, e.g. <c>-- micro --filter '*Murmur*' --job short</c>; with none, every benchmark runs with
/// the short job.</summary>
internal static class MicroBenchmarks
{
    public static int Run(string[] args)
    {
        var switcher = BenchmarkSwitcher.FromTypes([typeof(BatchBenchmarks), typeof(CodecBenchmarks), typeof(PartitionerBenchmarks)]);
        var summaries = switcher.Run(args.Length == 0 ? ["--filter", "*", "--job", "short"] : args);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
