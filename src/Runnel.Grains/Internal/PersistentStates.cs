using System.Runtime.ExceptionServices;
using Orleans.Storage;

namespace Runnel.Grains.Internal;

/// <summary>
/// Calls on a grain's <see cref="IPersistentState{TState}"/> that keep Runnel's typed errors: Orleans wraps whatever a
/// storage provider throws (other than its own exceptions) in an <see cref="OrleansException"/>, which would reach a
/// caller with no error code; these rethrow the provider's <see cref="RunnelException"/> (the store's unavailable,
/// throttled, ... errors) as it is. <see cref="InconsistentStateException"/> (an ETag conflict) passes unchanged.
/// </summary>
internal static class PersistentStates
{
    public static async Task ReadAsync<T>(this IPersistentState<T> state)
    {
        try
        {
            await state.ReadStateAsync();
        }
        catch (OrleansException ex) when (ex is not InconsistentStateException && ex.InnerException is RunnelException inner)
        {
            ExceptionDispatchInfo.Throw(inner);
        }
    }

    /// <exception cref="InconsistentStateException">Another writer changed the state since this activation read it.</exception>
    public static async Task WriteAsync<T>(this IPersistentState<T> state)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (OrleansException ex) when (ex is not InconsistentStateException && ex.InnerException is RunnelException inner)
        {
            ExceptionDispatchInfo.Throw(inner);
        }
    }

    /// <exception cref="InconsistentStateException">Another writer changed the state since this activation read it.</exception>
    public static async Task ClearAsync<T>(this IPersistentState<T> state)
    {
        try
        {
            await state.ClearStateAsync();
        }
        catch (OrleansException ex) when (ex is not InconsistentStateException && ex.InnerException is RunnelException inner)
        {
            ExceptionDispatchInfo.Throw(inner);
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the state and writes it under the state's ETag; when another writer got there
    /// first, re-reads and re-applies, at most <paramref name="attempts"/> times. <paramref name="change"/> returns false
    /// when there is nothing to write (then nothing is).
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.PreconditionFailed"/> (retriable): the state kept changing.</exception>
    public static async Task UpdateAsync<T>(this IPersistentState<T> state, Func<T, bool> change, int attempts, string what)
    {
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            if (!change(state.State))
            {
                return;
            }

            try
            {
                await state.WriteAsync();
                return;
            }
            catch (InconsistentStateException)
            {
                await state.ReadAsync();
            }
        }

        throw new RunnelException(RunnelErrorCode.PreconditionFailed, $"{what} changed under {attempts} attempts to update it; try again.", isRetriable: true);
    }
}
