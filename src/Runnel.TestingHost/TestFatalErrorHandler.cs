using Runnel.Runtime;

namespace Runnel.TestingHost;

/// <summary>Instead of ending the test process: records the reason on the silo and kills it (as FailFast would).</summary>
internal sealed class TestFatalErrorHandler(InProcessTestCluster cluster) : IFatalErrorHandler
{
    public TestSilo? Silo { get; set; }

    public void OnFatalError(SiloAddress silo, string reason)
    {
        if (Silo is { } testSilo)
        {
            testSilo.OnFatal(reason);
            _ = cluster.KillSiloAsync(testSilo);
        }
    }
}
