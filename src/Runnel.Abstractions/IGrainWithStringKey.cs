namespace Runnel;

/// <summary>A grain identified by a string key (a topic name, <c>topic/partition</c>, a group id).</summary>
public interface IGrainWithStringKey : IGrain;
