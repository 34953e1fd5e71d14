namespace Runnel;

/// <summary>
/// The error codes a client can switch on. Codes are stable across versions: a code is never
/// renumbered or reused. Ranges group codes by layer so that a code says where it came from.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>1xx</term><description>storage (the blob store and its adapters)</description></item>
/// <item><term>2xx</term><description>the partition log and record batches</description></item>
/// <item><term>3xx</term><description>the runtime: grains, transport, membership, placement</description></item>
/// <item><term>4xx</term><description>topics, partitions, producers and the client</description></item>
/// <item><term>5xx</term><description>consumer groups</description></item>
/// </list>
/// </remarks>
[GenerateSerializer, Alias("runnel.RunnelErrorCode")]
public enum RunnelErrorCode
{
    /// <summary>An error that carries no more specific code.</summary>
    Unknown = 0,

    /// <summary>A caller passed a value that is not valid; the message names it.</summary>
    InvalidArgument = 1,

    // ---- storage (1xx) ----

    /// <summary>The blob (or its container) does not exist.</summary>
    BlobNotFound = 100,

    /// <summary>A condition (ETag, create-if-absent, append position, max size, lease) did not hold.
    /// On a partition's blobs this is a fencing signal: never retry it blindly.</summary>
    PreconditionFailed = 101,

    /// <summary>The append blob is sealed and takes no more blocks.</summary>
    BlobSealed = 102,

    /// <summary>The operation conflicts with the blob's state (wrong blob type, lease held by another, ...).</summary>
    StorageConflict = 103,

    /// <summary>The store asked us to slow down. Retriable after a back-off.</summary>
    StorageThrottled = 104,

    /// <summary>The store could not be reached or failed. The operation may or may not have taken effect
    /// when <see cref="RunnelException.IsOutcomeUnknown"/> is set.</summary>
    StorageUnavailable = 105,

    /// <summary>The store's data for a blob cannot be read as valid: it is damaged (no valid metadata slot, no slot
    /// whose data verifies) or in an on-disk layout this version does not read. Not retriable; the message names the
    /// blob's directory and what to do.</summary>
    StorageCorrupt = 106,

    // ---- log (2xx) ----

    /// <summary>A record batch failed validation (CRC, magic, lengths, counts, codec).</summary>
    CorruptRecordBatch = 200,

    /// <summary>This log instance was fenced by a newer owner: it no longer owns the partition. Retriable elsewhere.</summary>
    NotOwner = 201,

    /// <summary>The requested offset is outside [log start, high watermark].</summary>
    OffsetOutOfRange = 202,

    /// <summary>The record batch is larger than the partition accepts.</summary>
    RecordBatchTooLarge = 203,

    /// <summary>The log is closed or closing.</summary>
    LogClosed = 204,

    /// <summary>A record batch uses a compression codec Kafka defines but Runnel does not implement
    /// (lz4, zstd). The batch is well formed; the message names the codec.</summary>
    UnsupportedCompression = 205,

    // ---- runtime (3xx) ----

    /// <summary>The call timed out or its connection dropped after it was sent: it may or may not have run.</summary>
    OutcomeUnknown = 300,

    /// <summary>The call was rejected before it ran (overloaded, shutting down, ...). Safe to retry.</summary>
    Rejected = 301,

    /// <summary>The silo called does not own the grain under its view.</summary>
    WrongOwner = 302,

    /// <summary>The connection's preamble did not match (protocol version or cluster id).</summary>
    ProtocolMismatch = 303,

    /// <summary>A grain's activation or deactivation failed.</summary>
    ActivationFailed = 304,

    /// <summary>The grain method threw; the message carries the remote exception's type and text.</summary>
    GrainCallFailed = 305,

    /// <summary>The connection to the silo was lost before the call was sent.</summary>
    ConnectionLost = 306,

    /// <summary>A frame or a payload could not be decoded (bad length, truncated, unknown kind, bad value).
    /// A broken frame closes its connection; a bad payload inside a good frame fails only that call.</summary>
    MalformedMessage = 307,

    // ---- topics, partitions, producers, client (4xx) ----

    /// <summary>The topic does not exist.</summary>
    UnknownTopic = 400,

    /// <summary>The topic already exists.</summary>
    TopicAlreadyExists = 401,

    /// <summary>The topic name breaks the naming rules.</summary>
    InvalidTopicName = 402,

    /// <summary>A topic config key is unknown or its value is not valid.</summary>
    InvalidConfig = 403,

    /// <summary>The partition does not exist.</summary>
    UnknownPartition = 404,

    /// <summary>An idempotent producer sent a sequence number that is neither the next one nor a recent duplicate.</summary>
    OutOfOrderSequence = 405,

    /// <summary>The producer's epoch is older than the partition has seen: another instance took over.</summary>
    ProducerFenced = 406,

    /// <summary>The client's buffer memory is full and the wait for room timed out.</summary>
    BufferExhausted = 407,

    /// <summary>A produced record was not acknowledged within the producer's delivery timeout (retries included).
    /// It may nonetheless have been written when <see cref="RunnelException.IsOutcomeUnknown"/> is set.</summary>
    DeliveryTimedOut = 408,

    /// <summary>A consumed record's key or value could not be deserialized; the message names the record.</summary>
    DeserializationFailed = 409,

    /// <summary>The partition knows no state for this producer id and epoch, and the batch does not start its sequence
    /// at 0 (Kafka's UNKNOWN_PRODUCER_ID). Either an earlier batch of the producer is still on its way (the batch is
    /// sent again after it), or the partition's state for the producer is gone (its records were deleted): the producer
    /// then bumps its epoch and numbers its unacknowledged batches again from 0. Retriable.</summary>
    UnknownProducerId = 410,

    /// <summary>A changelog update whose before-image and after-image keys fall in different partitions: writing the
    /// pair atomically would need a transaction across partitions (Kafka's transactions, issue #18), which Runnel does
    /// not have yet. Nothing was written; the message names both partitions. Not retriable.</summary>
    ChangeSpansPartitions = 411,

    /// <summary>A transactional call in the wrong state: producing or sending offsets with no transaction begun,
    /// committing after an abort (or the other way round), beginning a transaction while one is open, a non-transactional
    /// batch from a producer with an open transaction. The message says which. Not retriable.</summary>
    InvalidTransactionState = 412,

    /// <summary>The transactional id's previous transaction is still being completed (its markers are being written).
    /// Retriable: try again shortly.</summary>
    ConcurrentTransactions = 413,

    /// <summary>The coordinator aborted the open transaction (its timeout passed, or a newer instance took over): its
    /// records will never be visible to read_committed readers. Abort and begin a new transaction.</summary>
    TransactionAborted = 414,

    /// <summary>The transactional id has never been initialized (no <c>InitTransactions</c> under it).</summary>
    UnknownTransactionalId = 415,

    // ---- consumer groups (5xx) ----

    /// <summary>The member's epoch is stale: it was fenced by a rebalance or a newer instance.</summary>
    FencedMember = 500,

    /// <summary>The member is not (or no longer) in the group.</summary>
    UnknownMember = 501,

    /// <summary>The operation needs a group with no active members.</summary>
    GroupNotEmpty = 502,

    /// <summary>The member did not poll within its max poll interval: its partitions were taken back. It rejoins on
    /// its next poll.</summary>
    MaxPollIntervalExceeded = 503,

    /// <summary>An offset commit was refused: it would move an offset backwards, or names a partition the member
    /// does not own. The message names the partition.</summary>
    OffsetCommitRejected = 504,

    /// <summary>The group does not exist.</summary>
    UnknownGroup = 505,

    /// <summary>The group id breaks the naming rules.</summary>
    InvalidGroupId = 506,

    /// <summary>A partition's committed offset is pending in an open transaction (Kafka's UNSTABLE_OFFSET_COMMIT): a
    /// consumer asking for stable offsets waits until the transaction completes. Retriable.</summary>
    UnstableOffsetCommit = 507,

    /// <summary>A join names a static instance id another live member holds (Kafka's UNRELEASED_INSTANCE_ID, KIP-848):
    /// that member has neither left temporarily nor timed out. Only joins asking for this check get it
    /// (<see cref="Grains.GroupHeartbeatRequest.RequireReleasedInstance"/>). Retry once the other member is gone.</summary>
    UnreleasedInstanceId = 508,
}
