using Runnel.Grains;
using Runnel.Runtime.Client;
using Runnel.Serialization;
using Runnel.Testing;

namespace Runnel.Runtime.Tests;

/// <summary>Allocation budgets of the transport's per-call encoding (CI fails when someone adds allocations).</summary>
public sealed class AllocationBudgetTests
{
    /// <summary>A call's own objects: the pending call, its task completion source and task, the writer object (its
    /// buffer is pooled). Measured 232 B on .NET 10; none of it may grow with the payload.</summary>
    private const long PendingCallBytes = 320;

    private static readonly ProduceRequest Request = new(new byte[64 * 1024]);

    [Fact]
    public void ProduceRequestEncode_IntoAReusedWriter_AllocatesNothing()
    {
        using var writer = new WireWriter(128 * 1024);

        Allocations.PerOperation(() =>
        {
            writer.Reset();
            writer.WriteField(1, Request, WireCodec<ProduceRequest>.Instance);
            return writer.WrittenCount;
        }).Should().Be(0);
    }

    [Fact]
    public void PendingCall_RequestFrameOf64KiB_StaysWithinBudgetAndIndependentOfPayload()
    {
        using var arguments = new WireWriter(128 * 1024);
        arguments.WriteField(1, Request, WireCodec<ProduceRequest>.Instance);
        var grain = new GrainId("partition", "orders/3");
        var deadline = DateTimeOffset.UtcNow.AddMinutes(1);

        var perCall = Allocations.PerOperation(() =>
        {
            var call = new PendingCall<ProduceResponse>(grain, 7, arguments.WrittenSpan, 1, 0, WireCodec<ProduceResponse>.Instance, TimeProvider.System, deadline, TimeSpan.FromMinutes(1));
            call.Release();
            return call.CorrelationId + 1;
        }, iterations: 500);

        perCall.Should().BeLessThanOrEqualTo(PendingCallBytes);
    }
}
