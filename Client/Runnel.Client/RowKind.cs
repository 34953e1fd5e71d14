namespace Runnel.Client;

/// <summary>
/// What a changelog record says happened to its key's row, as change-data-capture tools emit it (Debezium's
/// before/after, Flink's and SeaTunnel's row kinds). Carried in the record header <see cref="RowKindHeader.Key"/>
/// (<c>runnel.row-kind</c>), so Kafka clients and Runnel clients that know nothing of it still read the record.
/// </summary>
public enum RowKind
{
    /// <summary>The record carries no row kind header (a plain record, or one from a producer that does not write it).</summary>
    None = 0,

    /// <summary><c>+I</c>: a new row; the value is the row.</summary>
    Insert = 1,

    /// <summary><c>-U</c>: the row as it was before an update (its before-image). Always followed, in the same record
    /// batch, by the <see cref="UpdateAfter"/> of the same update.</summary>
    UpdateBefore = 2,

    /// <summary><c>+U</c>: the row as it is after an update (its after-image).</summary>
    UpdateAfter = 3,

    /// <summary><c>-D</c>: the row was deleted. Runnel's producer writes it with a null value (a tombstone), so
    /// compaction removes the key in time.</summary>
    Delete = 4,
}
