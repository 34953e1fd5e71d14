// <usings>
using Runnel;
using Runnel.Client;
// </usings>

namespace QuickStart;

/// <summary>The README's C# quick start, word for word between the markers (QuickStartTests checks). It lives in a
/// namespace outside <c>Runnel</c> so that it compiles with the README's own <c>using</c> lines and nothing more (an
/// unneeded one fails the build, IDE0005).</summary>
internal static class QuickStartProgram
{
    /// <summary>Runs the quick start once; <paramref name="seen"/> collects what the README prints.</summary>
    public static async Task<DeliveryResult<string, string>> RunAsync(string bootstrap, string topic, List<string> seen, CancellationToken cancellationToken)
    {
        // <quickstart>
        await using var connection = await RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with { Bootstrap = [bootstrap] });
        try
        {
            await connection.Admin.CreateTopicAsync(topic, partitions: 3);
        }
        catch (RunnelException ex) when (ex.Code == RunnelErrorCode.TopicAlreadyExists)
        {
            // a second run finds the topic there
        }

        await using var producer = connection.CreateProducer<string, string>();
        var delivered = await producer.ProduceAsync(topic, new Message<string, string> { Key = "alice", Value = "hello" });

        await using var consumer = connection.CreateConsumer<string, string>();
        consumer.Assign([new TopicPartitionOffset(topic, delivered.Partition, delivered.Offset)]);
        await foreach (var record in consumer.ConsumeAsync(cancellationToken))
        {
            seen.Add($"{record.Message.Key}={record.Message.Value} at {record.Partition}/{record.Offset}");
            break;
        }
        // </quickstart>

        return delivered;
    }
}
