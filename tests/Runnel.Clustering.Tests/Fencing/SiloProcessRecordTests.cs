using FluentAssertions;
using Runnel.Clustering.Internal;
using Xunit;

namespace Runnel.Clustering.Tests.Fencing;

public sealed class SiloProcessRecordTests
{
    [Fact]
    public void ProcessSpace_SameBootOtherPidNamespace_Differs_SoNoSiblingInAnotherContainerIsKilled()
    {
        var boot = Guid.NewGuid();

        var here = SameHostSiloKiller.Mix(boot, "pid:[4026531836]");

        SameHostSiloKiller.Mix(boot, "pid:[4026531836]").Should().Be(here, "same host, same boot, same namespace");
        SameHostSiloKiller.Mix(boot, "pid:[4026532451]").Should().NotBe(here, "another container's pids name other processes here");
        SameHostSiloKiller.Mix(Guid.NewGuid(), "pid:[4026531836]").Should().NotBe(here, "another boot");
        SameHostSiloKiller.ProcessSpace().Should().NotBeNull("this machine publishes /proc: the killer is on here");
        SameHostSiloKiller.ProcessSpace().Should().Be(SameHostSiloKiller.ProcessSpace());
    }

    [Fact]
    public void ToBytes_TryParse_RoundTrips()
    {
        var record = new SiloProcessRecord("S127.0.0.1:11111:155650732", Guid.NewGuid(), 4242, 1_234_567);

        SiloProcessRecord.TryParse(record.ToBytes()).Should().Be(record);
    }

    [Theory]
    [InlineData("")]
    [InlineData("runnel-silo-process 2\nS127.0.0.1:1:1\n8f3c2a4e-6d1b-4f0e-9a7c-2b5d8e1f3a90\n1 2\n")]
    [InlineData("runnel-silo-process 1\nS127.0.0.1:1:1\nnot-a-guid\n1 2\n")]
    [InlineData("runnel-silo-process 1\nS127.0.0.1:1:1\n8f3c2a4e-6d1b-4f0e-9a7c-2b5d8e1f3a90\n-1 2\n")]
    [InlineData("runnel-silo-process 1\nS127.0.0.1:1:1\n8f3c2a4e-6d1b-4f0e-9a7c-2b5d8e1f3a90\n12\n")]
    public void TryParse_AnythingElse_IsNull(string text) =>
        SiloProcessRecord.TryParse(System.Text.Encoding.ASCII.GetBytes(text)).Should().BeNull();

    [Fact]
    public void ReadStartTime_ThisProcess_IsStableAndAnotherPidDiffers()
    {
        if (!OperatingSystem.IsLinux())
        {
            SiloProcessRecord.ReadStartTime(Environment.ProcessId).Should().BeNull();
            return;
        }

        var mine = SiloProcessRecord.ReadStartTime(Environment.ProcessId);
        mine.Should().NotBeNull().And.Be(SiloProcessRecord.ReadStartTime(Environment.ProcessId));
        SiloProcessRecord.ReadStartTime(1).Should().NotBeNull().And.BeLessThanOrEqualTo(mine!.Value, "pid 1 started first");
        SiloProcessRecord.ReadStartTime(int.MaxValue).Should().BeNull("no such process");
    }
}
