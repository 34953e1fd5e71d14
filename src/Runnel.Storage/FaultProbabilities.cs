namespace Runnel.Storage;

/// <summary>Chances (0 to 1, summing to at most 1) that one call gets each fault; the rest of the time it passes.</summary>
public sealed record FaultProbabilities(double Unavailable = 0, double Throttled = 0, double LostResponse = 0)
{
    /// <summary>No faults.</summary>
    public static FaultProbabilities None { get; } = new();

    internal void Validate()
    {
        if (Unavailable < 0 || Throttled < 0 || LostResponse < 0 || Unavailable + Throttled + LostResponse > 1)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid fault probabilities {this}: each is at least 0 and together at most 1.");
        }
    }
}
