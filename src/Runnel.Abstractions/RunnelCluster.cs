namespace Runnel;

/// <summary>What every Runnel silo and client agree on.</summary>
public static class RunnelCluster
{
    /// <summary>The Orleans service id of Runnel's silos and clients (the cluster id tells clusters apart).</summary>
    public const string ServiceId = "runnel";

    /// <summary>The key of the cluster's one-of-a-kind grains: the topic catalog, the consumer-group catalog and the
    /// producer-id allocator (Orleans refuses an empty key).</summary>
    public const string SingletonKey = "cluster";
}
