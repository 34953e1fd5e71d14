using System.Text;
using Runnel.Grains.Internal;
using Runnel.Log.Batches;

namespace Runnel.Grains.Tests;

/// <summary>How a group's transactional offsets are stored: the change log's new records, the snapshot's version 2 (and
/// version 1, written before transactions, still read), and the sweep interval's validation.</summary>
public sealed class GroupTransactionCodecTests
{
    [Fact]
    public void Encode_TransactionalChanges_DecodeToTheSame()
    {
        var pending = new TransactionalOffsetsPending(7, 2, "job", [new CommittedOffset("in", 0, 10, "m")]);
        var ended = new TransactionEnded(7, 3);
        var batch = GroupChangeCodec.Encode([pending, new OffsetsCommitted(pending.Offsets, false), ended], 1, 1 << 20);

        var decoded = new List<GroupChange>();
        foreach (var view in new RecordBatchReader(batch))
        {
            using var records = view.ReadRecords();
            foreach (var record in records)
            {
                decoded.Add(GroupChangeCodec.Decode(record));
            }
        }

        decoded.Should().HaveCount(3);
        decoded[0].Should().BeOfType<TransactionalOffsetsPending>().Which.Should().BeEquivalentTo(pending);
        decoded[1].Should().BeOfType<OffsetsCommitted>();
        decoded[2].Should().Be(ended);
    }

    [Fact]
    public void FromJson_Version1Snapshot_IsReadWithNothingPending()
    {
        const string v1 = """{"version":1,"nextOffset":12,"groupEpoch":3,"target":{"epoch":0,"assignor":"uniform","topicPartitions":{},"members":{}},"members":[],"offsets":[{"topic":"in","partition":0,"offset":5,"metadata":null}]}""";

        var snapshot = GroupSnapshot.FromJson(Encoding.UTF8.GetBytes(v1), "groups/g/snapshot");

        snapshot.NextOffset.Should().Be(12);
        snapshot.Offsets.Should().ContainSingle().Which.Offset.Should().Be(5);
        (snapshot.Pending ?? []).Should().BeEmpty();
        (snapshot.ProducerEpochs ?? []).Should().BeEmpty();
    }

    [Fact]
    public void ToJson_Version2_KeepsPendingOffsetsAndProducerEpochs()
    {
        var snapshot = new GroupSnapshot(
            GroupSnapshot.CurrentVersion, 4, 1, TargetAssignment.Empty, [], [],
            [new TransactionalOffsetsPending(7, 2, "job", [new CommittedOffset("in", 1, 9, null)])],
            [new TransactionEnded(8, 5)]);

        var read = GroupSnapshot.FromJson(snapshot.ToJson(), "groups/g/snapshot");

        read.Version.Should().Be(2);
        read.Pending.Should().ContainSingle().Which.Should().BeEquivalentTo(snapshot.Pending![0]);
        read.ProducerEpochs.Should().Equal(new TransactionEnded(8, 5));
    }

    [Fact]
    public void Validate_TransactionSweepIntervalBelowOneSecond_NamesTheField()
    {
        var result = new RunnelGrainsOptionsValidator().Validate(null, new RunnelGrainsOptions { TransactionSweepInterval = TimeSpan.FromMilliseconds(10) });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("TransactionSweepInterval");
    }
}
