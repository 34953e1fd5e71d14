namespace Runnel;

/// <summary>Hands out grain references. Thread-safe.</summary>
public interface IGrainFactory
{
    /// <summary>
    /// Returns a reference to the grain of interface <typeparamref name="TGrainInterface"/> with the given key.
    /// Cheap (no I/O, no activation): the grain is activated by its first call. A reference may be kept and used
    /// from any thread.
    /// </summary>
    /// <exception cref="InvalidOperationException">No generated proxy exists for the interface (the project that
    /// declares it does not reference the Runnel.CodeGen generator).</exception>
    TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey;
}
