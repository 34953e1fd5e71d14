using System.Text.Json;

namespace Runnel.Silo.Tests;

/// <summary>The runtime settings the silo's throughput was measured with (docs/benchmarks.md) are the ones its build
/// output runs with: a project change that drops one fails here, not only in a benchmark nobody reruns.</summary>
public sealed class SiloRuntimeConfigTests
{
    [Fact]
    public void BuildOutput_RuntimeConfig_WorkstationConcurrentGcRetainVmNoThreadPoolSpinNoDynamicPgoManyMinThreads()
    {
        var path = Path.ChangeExtension(Runnel.Testing.ChildProcess.BuiltAssembly("Silo", "runnel-silo"), ".runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var properties = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        properties.GetProperty("System.GC.Server").GetBoolean().Should().BeFalse("server GC's per-core heaps spin on a shared 2-core machine");
        properties.TryGetProperty("System.GC.Concurrent", out var concurrent).Should().BeTrue();
        concurrent.GetBoolean().Should().BeTrue("gen-2 collections run in the background");
        properties.GetProperty("System.GC.RetainVM").GetBoolean().Should().BeTrue("freed segments stay mapped: no fresh pages to clear");
        properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32().Should().Be(0, "idle workers do not spin");
        properties.GetProperty("System.Runtime.TieredPGO").GetBoolean().Should().BeFalse("a young silo would spend up to half its CPU in the JIT");
        properties.GetProperty("System.Threading.ThreadPool.MinThreads").GetInt32().Should().BeGreaterThanOrEqualTo(100, "the file store's fsyncs block pool threads: activating thousands of partitions needs them concurrent");
    }
}
