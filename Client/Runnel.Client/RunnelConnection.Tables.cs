using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Runnel.Client;

public sealed partial class RunnelConnection
{
    /// <summary>
    /// Materializes <paramref name="topic"/> (compacted, or a changelog) as an in-memory table: the returned table starts
    /// restoring at once, from the log start of every partition, then follows the topic; await
    /// <see cref="RunnelTable{TKey, TValue}.WaitForCatchUpAsync"/> before relying on it being complete. See
    /// <see cref="RunnelTable{TKey, TValue}"/> for how records apply. Dispose the table before the connection.
    /// </summary>
    /// <param name="keyDeserializer">Defaults to the built-in deserializer for byte[] or string.</param>
    /// <param name="valueDeserializer">Defaults to the built-in deserializer for byte[] or string.</param>
    /// <param name="keyComparer">Key equality; defaults to <typeparamref name="TKey"/>'s own. Pass one for byte[] keys
    /// (whose own equality is by reference).</param>
    /// <param name="consumerOptions">The options of the table's consumer (no group; <see cref="ConsumerOptions.AutoOffsetReset"/>
    /// is set to <see cref="AutoOffsetReset.Earliest"/>). Defaults to <see cref="ConsumerOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">The topic is empty, an option is not valid, or a deserializer is missing for a
    /// type with no built-in one.</exception>
    public RunnelTable<TKey, TValue> CreateTable<TKey, TValue>(string topic, IDeserializer<TKey>? keyDeserializer = null, IDeserializer<TValue>? valueDeserializer = null,
        IEqualityComparer<TKey>? keyComparer = null, ConsumerOptions? consumerOptions = null)
        where TKey : notnull
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var keys = keyDeserializer ?? Deserializers.Default<TKey>()
            ?? throw new ArgumentException($"No built-in deserializer for key type {typeof(TKey).Name}: pass keyDeserializer.", nameof(keyDeserializer));
        var values = valueDeserializer ?? Deserializers.Default<TValue>()
            ?? throw new ArgumentException($"No built-in deserializer for value type {typeof(TValue).Name}: pass valueDeserializer.", nameof(valueDeserializer));
        var options = (consumerOptions ?? ConsumerOptions.Default) with { AutoOffsetReset = AutoOffsetReset.Earliest, GroupId = null };
        var consumer = new Consumer<byte[], byte[]>(_client, options, Deserializers.ByteArray, Deserializers.ByteArray, Time, _loggerFactory, _segmentStore) { HandsOutMarkers = true };
        var logger = (_loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RunnelTable<TKey, TValue>>();
        var table = new RunnelTable<TKey, TValue>(topic, consumer, keys, values, keyComparer, ct => Admin.GetTopicOffsetsAsync(topic, ct),
            async ct => (await Admin.DescribeTopicAsync(topic, ct).ConfigureAwait(false)).PartitionCount, Time, logger);
        table.Start();
        return table;
    }
}
