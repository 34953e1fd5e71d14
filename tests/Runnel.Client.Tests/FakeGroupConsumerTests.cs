using Xunit.Abstractions;
using Runnel.Client.Tests.Infrastructure;

namespace Runnel.Client.Tests;

/// <summary><see cref="GroupConsumerTests"/> against the fake group grain, plus what only the fake can inject.</summary>
public sealed class FakeGroupConsumerTests(FakeClusterFixture fixture, ITestOutputHelper output)
    : GroupConsumerTests(fixture.ForTest(), output), IClassFixture<FakeClusterFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Close_WhileTheJoinIsInFlight_WaitsForItsAnswerAndLeavesSoNoMemberStays()
    {
        // Found by the README test under load: `consume --group billing --timeout 2` closed before its join was
        // answered, the group registered the member anyway, and `groups reset-offsets` then failed with GroupNotEmpty.
        var topic = await Cluster.CreateTopicAsync(1);
        var group = GroupConsumerTests.NewGroup();
        var fake = Cluster.Broker.Group(group);
        fake.HeartbeatGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = Cluster.Connection.CreateConsumer<string, string>(GroupConsumerTests.GroupOptions(group));
        consumer.Subscribe([topic]);
        using var stop = new CancellationTokenSource();
        var consuming = Task.Run(async () =>
        {
            await foreach (var unused in consumer.ConsumeAsync(stop.Token))
            {
            }
        });
        await fake.HeartbeatArrived.Task.WaitAsync(Guard);

        await stop.CancelAsync();
        var closing = consumer.DisposeAsync().AsTask();
        fake.HeartbeatGate.TrySetResult(); // the join is handled after the consumer began to close
        await closing.WaitAsync(Guard);
        await consuming.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Guard);

        lock (fake.Gate)
        {
            fake.Members.Should().BeEmpty("the member left with the id its join was given");
        }
    }

    [Fact]
    public async Task Heartbeat_Fenced_PartitionsLostAndRejoinsWithEpochZero()
    {
        var topic = await Cluster.CreateTopicAsync(2);
        var group = GroupConsumerTests.NewGroup();
        var log = new OwnershipLog();
        var worker = new GroupWorker("w", Cluster.Connection.Grains, GroupConsumerTests.GroupOptions(group), [topic], log);
        await log.UntilAsync(() => log.Owners().GetValueOrDefault("w")?.Count == 2, Guard, "the member owns both partitions");
        var member = worker.Consumer.MemberId;
        var fake = Cluster.Broker.Group(group);
        lock (fake.Gate)
        {
            fake.FenceNext = member;
        }

        await log.UntilAsync(() => worker.LostCount == 2 && log.Owners().GetValueOrDefault("w")?.Count == 2, Guard, "lost, then both partitions back");
        worker.Consumer.MemberId.Should().NotBe(member);
        await worker.DisposeAsync();
    }
}
