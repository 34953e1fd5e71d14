using System.Diagnostics;
using Runnel.Runtime.Membership;

namespace Runnel.Runtime.Tests.Cluster;

/// <summary>
/// Fencing by killing (<see cref="SiloProcessFence"/>) against real child processes (<c>sleep</c>): a stopped sibling
/// on this host is killed; a process whose identity does not match in every part (another boot, another pid namespace,
/// a reused pid, this very process) never is.
/// </summary>
public sealed class SiloProcessFenceTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private readonly Process _sibling;

    public SiloProcessFenceTests()
    {
        _sibling = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
    }

    public void Dispose()
    {
        if (!_sibling.HasExited)
        {
            _sibling.Kill();
        }

        _sibling.Dispose();
    }

    [Fact]
    public void Current_OnLinux_NamesThisProcessWithItsStartTime()
    {
        var self = SiloProcessIdentity.Current;

        self.Should().NotBeNull();
        self!.Pid.Should().Be(Environment.ProcessId);
        self.BootId.Should().Be(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim());
        SiloProcessIdentity.StartTicksOf(Environment.ProcessId).Should().Be(self.StartTicks);
        SiloProcessIdentity.Read(_sibling.Id)!.StartTicks.Should().BeGreaterThanOrEqualTo(self.StartTicks, "the sibling started later");
    }

    [Fact]
    public async Task TryKill_StoppedSiblingOnThisHost_KillsIt()
    {
        var identity = SiloProcessIdentity.Read(_sibling.Id)!;
        Signal("STOP", _sibling.Id);

        var outcome = SiloProcessFence.TryKill(identity, SiloProcessIdentity.Current);
        await _sibling.WaitForExitAsync().WaitAsync(Bound);

        outcome.Should().Be(SiloProcessFence.Outcome.Killed);
        _sibling.ExitCode.Should().Be(137, "SIGKILL (128 + 9)");
    }

    [Fact]
    public void TryKill_RecordedOnAnotherBoot_NeverKills()
    {
        var identity = SiloProcessIdentity.Read(_sibling.Id)! with { BootId = Guid.NewGuid().ToString() };

        var outcome = SiloProcessFence.TryKill(identity, SiloProcessIdentity.Current);

        outcome.Should().Be(SiloProcessFence.Outcome.OtherHost);
        _sibling.HasExited.Should().BeFalse();
    }

    [Fact]
    public void TryKill_RecordedInAnotherPidNamespace_NeverKills()
    {
        var identity = SiloProcessIdentity.Read(_sibling.Id)! with { PidNamespace = "pid:[1]" };

        var outcome = SiloProcessFence.TryKill(identity, SiloProcessIdentity.Current);

        outcome.Should().Be(SiloProcessFence.Outcome.OtherHost);
        _sibling.HasExited.Should().BeFalse();
    }

    [Fact]
    public void TryKill_PidNowUsedByAProcessThatStartedLater_NeverKills()
    {
        // The recorded process started before the one now holding the pid: a recycled pid.
        var identity = SiloProcessIdentity.Read(_sibling.Id)!;
        identity = identity with { StartTicks = identity.StartTicks - 1 };

        var outcome = SiloProcessFence.TryKill(identity, SiloProcessIdentity.Current);

        outcome.Should().Be(SiloProcessFence.Outcome.Gone);
        _sibling.HasExited.Should().BeFalse();
    }

    [Fact]
    public void TryKill_ThisVeryProcess_NeverKills()
    {
        SiloProcessFence.TryKill(SiloProcessIdentity.Current!, SiloProcessIdentity.Current).Should().Be(SiloProcessFence.Outcome.Self);
    }

    [Fact]
    public void TryKill_UnknownHostOfThisProcess_NeverKills()
    {
        var identity = SiloProcessIdentity.Read(_sibling.Id)!;

        SiloProcessFence.TryKill(identity, self: null).Should().Be(SiloProcessFence.Outcome.OtherHost);
        _sibling.HasExited.Should().BeFalse();
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { UseShellExecute = false })!;
        kill.WaitForExit();
        kill.ExitCode.Should().Be(0);
    }
}
