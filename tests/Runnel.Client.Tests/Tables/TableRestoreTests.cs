using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Client.Tests.Tables;

/// <summary>
/// A table restores from the compacted log after the cluster's silo is killed and a new one starts on the same store:
/// the same rows as the last acknowledged change of each key (deleted keys absent), on every store.
/// </summary>
public abstract class TableRestoreTests : IDisposable
{
    protected abstract IObjectStore CreateStore();

    [Fact]
    public async Task Table_AfterCompactionAndSiloKilled_NewClusterRestoresTheLastValueOfEveryKey()
    {
        var store = CreateStore();
        var topic = InProcessRunnel.NewTopic();
        var expected = new Dictionary<string, string>();
        const int Keys = 30;
        const int Rounds = 12;
        var runnel = await InProcessRunnel.StartAsync(store);
        try
        {
            var connection = runnel.Connection;
            await connection.Admin.CreateTopicAsync(topic, 2, new Dictionary<string, string> { ["cleanup.policy"] = "compact", ["segment.bytes"] = "1024" });
            await using (var producer = connection.CreateProducer<string, string>())
            {
                await Task.WhenAll(Enumerable.Range(0, Keys).Select(k => producer.ProduceChangeAsync(topic, $"key-{k}", null, "r0"))).WaitAsync(InProcessRunnel.Guard);
                for (var round = 1; round <= Rounds; round++)
                {
                    var current = round;
                    await Task.WhenAll(Enumerable.Range(0, Keys).Select(k => producer.ProduceChangeAsync(topic, $"key-{k}", $"r{current - 1}", $"r{current}"))).WaitAsync(InProcessRunnel.Guard);
                }

                // Deletes (-D tombstones) of every fifth key, and a plain tombstone.
                await Task.WhenAll(Enumerable.Range(0, Keys).Where(k => k % 5 == 0).Select(k => producer.ProduceChangeAsync(topic, $"key-{k}", $"r{Rounds}", null))).WaitAsync(InProcessRunnel.Guard);
                await producer.ProduceAsync(topic, new Message<string, string> { Key = "key-1", Value = null }).WaitAsync(InProcessRunnel.Guard);
                await producer.ProduceChangeAsync(topic, "key-2", $"r{Rounds}", "last").WaitAsync(InProcessRunnel.Guard);
            }

            for (var k = 0; k < Keys; k++)
            {
                if (k % 5 != 0 && k != 1)
                {
                    expected[$"key-{k}"] = k == 2 ? "last" : $"r{Rounds}";
                }
            }

            var compacted = await connection.Admin.CompactTopicAsync(topic).WaitAsync(InProcessRunnel.Guard);
            compacted.Sum(c => c.RecordsRead - c.RecordsKept).Should().BeGreaterThan(Keys * Rounds, "compaction removed the superseded images");
        }
        finally
        {
            // Killed, not stopped: the partitions are never released, and the restarted cluster takes them over.
            await runnel.KillAsync();
        }

        await using (var restarted = await InProcessRunnel.StartAsync(store))
        {
            await using var table = restarted.Connection.CreateTable<string, string>(topic);
            await table.WaitForCatchUpAsync().WaitAsync(InProcessRunnel.Guard);

            table.IsCaughtUp.Should().BeTrue();
            table.Snapshot.Should().BeEquivalentTo(expected);
            table.TryGetValue("key-0", out _).Should().BeFalse("a -D record deletes");
            table.TryGetValue("key-1", out _).Should().BeFalse("a tombstone deletes");
        }
    }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

public sealed class FileTableRestoreTests : TableRestoreTests
{
    private readonly TempDirectory _data = new("runnel-table-restore");

    protected override IObjectStore CreateStore() => new FileObjectStore(_data.Path);

    public override void Dispose()
    {
        _data.Dispose();
        base.Dispose();
    }
}

public sealed class AzuriteTableRestoreTests(AzuriteFixture azurite) : TableRestoreTests, IClassFixture<AzuriteFixture>
{
    protected override IObjectStore CreateStore() => AzuriteStores.Create(azurite);
}
