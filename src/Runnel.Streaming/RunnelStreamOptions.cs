using Runnel.Client;

namespace Runnel.Streaming;

/// <summary>
/// How one Runnel stream provider maps Orleans streams onto Runnel topics. Every stream namespace the provider carries
/// is declared with <see cref="AddNamespace"/>: Orleans' pulling agents need the full set of queues (topic partitions)
/// before the first event, so a namespace cannot appear later. Silos and clients of one provider must declare the same
/// namespaces with the same partition counts (the mapping decides where an event is written).
/// </summary>
/// <remarks>Validated when the provider is built (<see cref="Validate"/>); messages name the field.</remarks>
public sealed class RunnelStreamOptions
{
    private readonly Dictionary<string, RunnelStreamTopic> _namespaces = new(StringComparer.Ordinal);

    /// <summary>The topic a namespace maps to when <see cref="AddNamespace"/> names none: this prefix + the namespace.
    /// Default <c>orleans.</c>.</summary>
    public string TopicPrefix { get; set; } = "orleans.";

    /// <summary>Partitions of a namespace's topic when <see cref="AddNamespace"/> gives none. Default 4.</summary>
    public int DefaultPartitions { get; set; } = 4;

    /// <summary>
    /// Create a namespace's topic (with its partition count) the first time the provider writes or reads it. Default
    /// true. When false the topic must exist: producing or starting a pulling agent fails with
    /// <see cref="RunnelErrorCode.UnknownTopic"/>. Either way an existing topic whose partition count differs from the
    /// declared one is refused with <see cref="RunnelErrorCode.InvalidConfig"/> (the stream → partition mapping would
    /// differ from a Runnel producer's).
    /// </summary>
    public bool CreateTopics { get; set; } = true;

    /// <summary>The Runnel consumer group in which the pulling agents commit their positions (one committed offset per
    /// partition). Default null: <c>orleans-streams.{provider name}</c>.</summary>
    public string? ConsumerGroup { get; set; }

    /// <summary>
    /// Events each queue (partition) caches in its silo: of those delivered, the newest three quarters of this stay,
    /// so a subscription from a token that far back is served from memory. An older token is read from the partition
    /// itself (a reader for that subscription, until it reaches the cache); one below the log start is a
    /// <see cref="Orleans.Streams.QueueCacheMissException"/> delivered to the subscriber's error handler. Also the
    /// cache's bound: a queue whose oldest undelivered event is this far behind stops reading until subscribers catch
    /// up. Default 4096.
    /// </summary>
    public int CacheSize { get; set; } = 4096;

    /// <summary>Where a pulling agent starts on a partition for which its group has no committed offset. Default
    /// <see cref="AutoOffsetReset.Earliest"/>: nothing written before the first agent started is skipped.</summary>
    public AutoOffsetReset StartWithoutCheckpoint { get; set; } = AutoOffsetReset.Earliest;

    /// <summary>How events are written (<see cref="RunnelStreamHeaders"/>): Orleans serialization (default) or JSON.
    /// Either is read back whatever this says: the record's header tells.</summary>
    public RunnelStreamPayloadFormat PayloadFormat { get; set; } = RunnelStreamPayloadFormat.Orleans;

    /// <summary>The options of the provider's Runnel producer (idempotent by default: a retried append is not
    /// duplicated).</summary>
    public ProducerOptions Producer { get; set; } = ProducerOptions.Default;

    /// <summary>The declared namespaces and their topics.</summary>
    public IReadOnlyDictionary<string, RunnelStreamTopic> Namespaces => _namespaces;

    /// <summary>Declares a stream namespace: its events go to <paramref name="topic"/> (default
    /// <see cref="TopicPrefix"/> + namespace) with <paramref name="partitions"/> partitions (default
    /// <see cref="DefaultPartitions"/>). Declaring a namespace again replaces it.</summary>
    /// <exception cref="ArgumentException">An empty namespace or topic, or partitions below 1.</exception>
    public RunnelStreamOptions AddNamespace(string streamNamespace, string? topic = null, int? partitions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamNamespace);
        if (topic is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(topic);
        }

        if (partitions is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(partitions), partitions, $"Namespace '{streamNamespace}': partitions must be at least 1.");
        }

        _namespaces[streamNamespace] = new RunnelStreamTopic(topic ?? TopicPrefix + streamNamespace, partitions ?? DefaultPartitions);
        return this;
    }

    /// <summary>Checks the options; the message names the field.</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidConfig"/>.</exception>
    public void Validate(string providerName)
    {
        if (_namespaces.Count == 0)
        {
            throw Invalid(providerName, $"{nameof(Namespaces)} is empty: declare each stream namespace with {nameof(AddNamespace)}(\"namespace\").");
        }

        if (CacheSize < 16)
        {
            throw Invalid(providerName, $"{nameof(CacheSize)} is {CacheSize}; it must be at least 16.");
        }

        if (DefaultPartitions < 1)
        {
            throw Invalid(providerName, $"{nameof(DefaultPartitions)} is {DefaultPartitions}; it must be at least 1.");
        }

        if (StartWithoutCheckpoint is not (AutoOffsetReset.Earliest or AutoOffsetReset.Latest))
        {
            throw Invalid(providerName, $"{nameof(StartWithoutCheckpoint)} is {StartWithoutCheckpoint}; it must be Earliest or Latest.");
        }

        foreach (var group in _namespaces.GroupBy(n => n.Value.Topic, StringComparer.Ordinal))
        {
            if (group.Select(n => n.Value.Partitions).Distinct().Count() > 1)
            {
                throw Invalid(providerName, $"{nameof(Namespaces)}: topic '{group.Key}' is declared with different partition counts ({string.Join(", ", group.Select(n => $"{n.Key}: {n.Value.Partitions}"))}).");
            }
        }

        try
        {
            Producer.Validate();
        }
        catch (ArgumentException e)
        {
            throw Invalid(providerName, $"{nameof(Producer)}: {e.Message}");
        }
    }

    /// <summary>The consumer group of provider <paramref name="providerName"/>.</summary>
    public string GroupFor(string providerName) => ConsumerGroup ?? "orleans-streams." + providerName;

    private static RunnelException Invalid(string providerName, string message) =>
        new(RunnelErrorCode.InvalidConfig, $"Runnel stream provider '{providerName}': {message}");
}
