namespace Runnel.Client;

/// <summary>One record a <see cref="RunnelTable{TKey, TValue}"/> applied: the key's row was set to
/// <see cref="Value"/>, or removed (<see cref="IsRemoval"/>).</summary>
/// <param name="Key">The row's key.</param>
/// <param name="Value">The new value; default when the row was removed.</param>
/// <param name="IsRemoval">True for a tombstone, a <see cref="RowKind.Delete"/> or a <see cref="RowKind.UpdateBefore"/>
/// (an update's before-image retracts the old row; its after-image, applied in the same swap, sets the new one).</param>
/// <param name="Kind">The record's row kind (<see cref="RowKind.None"/> for a plain record).</param>
/// <param name="Offset">The record's offset in <see cref="TableChangedEventArgs{TKey, TValue}.Partition"/>.</param>
public readonly record struct TableChange<TKey, TValue>(TKey Key, TValue? Value, bool IsRemoval, RowKind Kind, long Offset);
