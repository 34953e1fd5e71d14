namespace Runnel.Chaos.History;

/// <summary>One produce request to a partition as the producer's transport saw it: when it was sent, when it returned,
/// and whether it succeeded (times in seconds since the run started).</summary>
internal sealed record ProduceAttempt(int Partition, double StartSeconds, double EndSeconds, bool Succeeded);
