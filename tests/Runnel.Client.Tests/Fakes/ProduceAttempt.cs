namespace Runnel.Client.Tests.Fakes;

/// <summary>One produce request as the fake partition saw it.</summary>
public sealed class ProduceAttempt(long producerId, short epoch, int baseSequence, int count, byte[] bytes)
{
    public long ProducerId { get; } = producerId;

    public short Epoch { get; } = epoch;

    public int BaseSequence { get; } = baseSequence;

    public int Count { get; } = count;

    public byte[] Bytes { get; } = bytes;

    public bool IsDuplicate { get; set; }

    /// <summary>True when the partition refused it (a fault, or a sequence error): nothing was written.</summary>
    public bool Refused { get; set; }
}
