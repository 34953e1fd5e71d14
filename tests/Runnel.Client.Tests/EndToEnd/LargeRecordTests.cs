using System.Globalization;
using System.Security.Cryptography;
using Runnel.Log.Batches;
using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>
/// Records of 64 MiB end to end against a real runnel-silo (file store): the client batches one alone, the grain call
/// carries it, the log writes it as 4 MiB append blocks, a fetch returns it whole, byte-exact; the CLI produces one on
/// a topic that allows it with no flag; and the silo's memory stays bounded while several arrive at once.
/// </summary>
public sealed class LargeRecordTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    private const int RecordBytes = 64 * 1024 * 1024;

    [Fact]
    public async Task Produce64MiBRecords_ConsumedByteExact_SiloMemoryBounded()
    {
        await using var connection = await silo.ConnectAsync();
        var topic = $"big-{Guid.NewGuid():N}";
        await connection.Admin.CreateTopicAsync(topic, 4, new Dictionary<string, string> { ["max.message.bytes"] = RecordBatch.MaxBatchBytes.ToString(CultureInfo.InvariantCulture) });
        var values = Enumerable.Range(0, 4).Select(i => RandomBytes(RecordBytes, seed: i)).ToArray();
        await using (var producer = connection.CreateProducer<string, byte[]>(ProducerOptions.Default with
        {
            MaxRequestSize = RecordBatch.MaxBatchBytes,
            BufferMemory = 4L * RecordBatch.MaxBatchBytes,
        }))
        {
            // Four at once, one per partition: the silo holds them together.
            var delivered = await Task.WhenAll(values.Select((value, i) =>
                producer.ProduceAsync(new TopicPartition(topic, i), new Message<string, byte[]> { Key = $"k{i}", Value = value })));
            delivered.Select(d => d.Offset).Should().Equal(0, 0, 0, 0);
        }

        await using var consumer = connection.CreateConsumer<string, byte[]>(ConsumerOptions.Default with { AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartitionOffset(new TopicPartition(topic, p), Offset.Beginning)));
        var seen = new Dictionary<int, byte[]>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await foreach (var record in consumer.ConsumeAsync(timeout.Token))
        {
            seen[record.Partition] = SHA256.HashData(record.Message.Value!);
            record.Message.Key.Should().Be($"k{record.Partition}");
            if (seen.Count == 4)
            {
                break;
            }
        }

        seen.OrderBy(s => s.Key).Select(s => Convert.ToHexString(s.Value)).Should().Equal(values.Select(v => Convert.ToHexString(SHA256.HashData(v))));
        var peak = PeakResidentBytes(silo.ProcessId);
        peak.Should().BeLessThan(1536L * 1024 * 1024, "four 64 MiB records at once: the silo's large-batch budget and the log's queue bound what it holds");
    }

    [Fact]
    public async Task CliProduce_RecordOverTheLibraryDefault_UsesTheTopicsMaxMessageBytes()
    {
        var topic = $"cli-big-{Guid.NewGuid():N}";
        using var directory = new TempDirectory("large-record");
        var file = Path.Combine(directory.Path, "value.bin");
        var value = RandomBytes(8 * 1024 * 1024, seed: 42);
        await File.WriteAllBytesAsync(file, value);
        (await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "create", topic, "--partitions", "1", "--config", "max.message.bytes=16777216")).Code.Should().Be(0);

        var produced = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "produce", topic, "--value-file", file, "--key", "k");
        var tooSmall = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "produce", topic, "--value-file", file, "--max-request-size", "1048576");

        produced.Code.Should().Be(0, produced.Err);
        tooSmall.Code.Should().NotBe(0, "an explicit --max-request-size below the record still refuses it");
        tooSmall.Err.Should().Contain("1048576");
        await using var connection = await silo.ConnectAsync();
        await using var consumer = connection.CreateConsumer<string, byte[]>();
        consumer.Assign([new TopicPartitionOffset(new TopicPartition(topic, 0), Offset.Beginning)]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var record in consumer.ConsumeAsync(timeout.Token))
        {
            record.Message.Value.Should().Equal(value);
            break;
        }
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The process's peak resident set (VmHWM), from /proc.</summary>
    private static long PeakResidentBytes(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
