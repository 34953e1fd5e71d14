using System.Globalization;
using System.Text;
using Runnel.Client;

namespace Runnel.Chaos.Eos;

/// <summary>
/// The exactly-once job, run as its own process (<c>Runnel.Chaos eos-job ...</c>) so the nemesis can kill it -9: a
/// consume-transform-produce loop. It reads the input topic in a consumer group (read_committed, no auto-commit) and, per
/// fetched chunk of one partition, in one transaction: produces one output record per input record (same key, value
/// <c>{partition}:{offset}</c> of the input) and commits the input offsets with <see cref="IProducer{TKey, TValue}.SendOffsetsToTransactionAsync"/>.
/// A failed transaction is aborted and the chunk read again; a fenced producer (a newer job instance took over) ends the
/// process. Prints <c>eos-job ready</c> once it has its producer id, and <c>committed P OFFSET</c> per transaction.
/// </summary>
internal static class EosJob
{
    public const string Command = "eos-job";

    public const string ReadyLine = "eos-job ready";

    /// <summary>Arguments: bootstrap, input topic, output topic, group, transactional id.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        if (args.Count != 5)
        {
            await output.WriteLineAsync("usage: eos-job <bootstrap> <input> <output> <group> <transactional-id>").ConfigureAwait(false);
            return 2;
        }

        var (bootstrap, input, outputTopic, group, transactionalId) = (args[0], args[1], args[2], args[3], args[4]);
        var connection = await RunnelConnection.ConnectAsync(
            RunnelConnectionOptions.Default with { Bootstrap = [.. bootstrap.Split(',')], ClusterId = "chaos", ClientName = "chaos-eos-job" },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var producer = connection.CreateProducer<byte[]?, byte[]?>(ProducerOptions.Default with { TransactionalId = transactionalId, Linger = TimeSpan.FromMilliseconds(1) });
        await using var producerScope = producer.ConfigureAwait(false);
        await producer.InitTransactionsAsync(cancellationToken).ConfigureAwait(false);
        var consumer = connection.CreateConsumer<byte[]?, byte[]?>(ConsumerOptions.Default with
        {
            GroupId = group,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            SessionTimeout = TimeSpan.FromSeconds(6),
            FetchMaxBytes = 64 * 1024,
            FetchMaxWait = TimeSpan.FromMilliseconds(100),
        });
        await using var consumerScope = consumer.ConfigureAwait(false);
        consumer.Subscribe([input]);
        await output.WriteLineAsync(ReadyLine).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

        await foreach (var chunk in consumer.ConsumeBatchesAsync(cancellationToken).ConfigureAwait(false))
        {
            var records = new List<(byte[]? Key, byte[] Value)>(chunk.Count);
            foreach (var record in chunk)
            {
                var value = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{chunk.Partition}:{record.Offset}"));
                records.Add((record.Key?.ToArray(), value));
            }

            var (partition, first, next) = (chunk.TopicPartition, chunk.FirstOffset, chunk.LastOffset + 1);
            producer.BeginTransaction();
            try
            {
                var sends = records.Select(r => producer.ProduceAsync(outputTopic, new Message<byte[]?, byte[]?> { Key = r.Key, Value = r.Value }, cancellationToken)).ToList();
                await Task.WhenAll(sends).ConfigureAwait(false);
                await producer.SendOffsetsToTransactionAsync([new TopicPartitionOffset(partition, next)], consumer.GroupMetadata, cancellationToken).ConfigureAwait(false);
                await producer.CommitTransactionAsync(cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"committed {partition.Partition} {next}")).ConfigureAwait(false);
            }
            catch (RunnelException ex) when (ex.Code != RunnelErrorCode.ProducerFenced && !cancellationToken.IsCancellationRequested)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"aborting {partition.Partition} {first}..{next - 1}: {ex.Code}: {ex.Message}")).ConfigureAwait(false);
                await producer.AbortTransactionAsync(cancellationToken).ConfigureAwait(false);
                if (consumer.Assignment.Contains(partition))
                {
                    consumer.Seek(new TopicPartitionOffset(partition, first)); // read the chunk again in the next transaction
                }
            }
        }

        return 0;
    }
}
