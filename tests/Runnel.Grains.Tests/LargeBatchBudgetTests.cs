using Microsoft.Extensions.Options;
using Runnel.Grains.Internal;

namespace Runnel.Grains.Tests;

public sealed class LargeBatchBudgetTests
{
    private const long MiB = 1024 * 1024;

    private static LargeBatchBudget Budget(long bytes) => new(Options.Create(new RunnelGrainsOptions { LargeBatchMemoryBytes = bytes }));

    [Fact]
    public async Task Acquire_BeyondTheBudget_WaitsFirstComeFirstServedUntilLeasesEnd()
    {
        var budget = Budget(100 * MiB);
        var first = await budget.AcquireAsync(64 * MiB, CancellationToken.None);
        var second = budget.AcquireAsync(64 * MiB, CancellationToken.None).AsTask();
        var third = budget.AcquireAsync(8 * MiB, CancellationToken.None).AsTask();

        second.IsCompleted.Should().BeFalse("64 + 64 MiB pass the 100 MiB budget");
        third.IsCompleted.Should().BeFalse("a small lease does not overtake one waiting before it");
        budget.Leased.Should().Be(64 * MiB);
        budget.Waiting.Should().Be(2);

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
        using var last = await third.WaitAsync(TimeSpan.FromSeconds(10));
        budget.Leased.Should().Be(8 * MiB);
    }

    [Fact]
    public async Task Acquire_LargerThanTheWholeBudget_RunsAloneOnceNothingElseHoldsIt()
    {
        var budget = Budget(16 * MiB);
        var small = await budget.AcquireAsync(4 * MiB, CancellationToken.None);
        var huge = budget.AcquireAsync(64 * MiB, CancellationToken.None).AsTask();

        huge.IsCompleted.Should().BeFalse();
        small.Dispose();
        using var lease = await huge.WaitAsync(TimeSpan.FromSeconds(10));
        budget.Leased.Should().Be(64 * MiB);
    }

    [Fact]
    public async Task Acquire_CancelledWhileWaiting_LeavesTheQueueAndTakesNothing()
    {
        var budget = Budget(16 * MiB);
        var held = await budget.AcquireAsync(16 * MiB, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = budget.AcquireAsync(8 * MiB, cancel.Token).AsTask();
        var behind = budget.AcquireAsync(8 * MiB, CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await waiting.Invoking(w => w).Should().ThrowAsync<OperationCanceledException>();
        held.Dispose();
        using var lease = await behind.WaitAsync(TimeSpan.FromSeconds(10));
        budget.Leased.Should().Be(8 * MiB);
        budget.Waiting.Should().Be(0);
    }
}
