namespace Runnel.Runtime.Transport;

/// <summary>
/// The wire format of a Runnel connection. All fixed-size integers are little-endian; a <c>string</c> is a varint
/// <c>UTF-8 byte count + 1</c> (0 = null) followed by the UTF-8 bytes.
/// </summary>
/// <remarks>
/// <code>
/// Preamble: the connecting side speaks first, the silo answers, then both sides send frames.
///
///   preamble (caller -> silo)                         reply (silo -> caller)
///   +--------+--------+---------+------+---------+--------+   +--------+--------+---------+--------+--------+--------+
///   | len    | magic  | version | role | cluster | sender |   | len    | magic  | version | status | reason | silo   |
///   | u32    | "RUNL" | u16     | u8   | string  | string |   | u32    | "RUNL" | u16     | u8     | string | string |
///   +--------+--------+---------+------+---------+--------+   +--------+--------+---------+--------+--------+--------+
///   len counts the bytes after it (at most 1 KiB). role: 1 client, 2 silo (sender = its SiloAddress).
///   status: 0 accepted, 1 rejected (a version or cluster mismatch, a peer the view says is Dead), 2 unavailable (the
///   silo has not joined yet, or is stopping: try again later or elsewhere); reason says which, then the silo closes
///   the connection. silo: the answering silo's SiloAddress.
///
/// Frame (both directions, after the preamble):
///   +-----------+---------+------+-----------------------+----------------------+
///   | len u32   | version | kind | header (by kind)      | body                 |
///   |           | u8 = 1  | u8   |                       |                      |
///   +-----------+---------+------+-----------------------+----------------------+
///   len counts the bytes after it: 2 &lt;= len &lt;= MaxFrameBytes, else the connection is closed.
///
///   kind 1 request   +----------------+-----------+--------------+-------------+---------+------------+-----------+
///                    | correlation id | method id | view version | deadline ms | forward | grain type | grain key |
///                    | i64            | u32       | i64          | u32         | u8      | string     | string    |
///                    +----------------+-----------+--------------+-------------+---------+------------+-----------+
///                    body: the arguments, in declaration order (each as its codec writes it, no tags).
///                    deadline ms: time the caller still waits, counted when it sent the frame (0 = none); a
///                    relative time, so the two clocks need not agree. view version: the caller's membership view
///                    (0 = none); a silo with an older view reads the newer one before judging ownership. forward: how
///                    many WrongOwner redirects the call has followed (callers stop after 2).
///   kind 2 response  +----------------+--------+
///                    | correlation id | status |  status 0: body = the result; 1: body = an error:
///                    | i64            | u8     |  code varint | flags u8 (1 retriable, 2 outcome unknown) |
///                    +----------------+--------+  exception type string | message string
///                                                 [code WrongOwner (302) only: view version fixed64 | owner string]
///   kind 3 cancel    +----------------+
///                    | correlation id |  the caller gave up on the call: cancel the grain method's token.
///                    | i64            |  No body. A cancel for an unknown or finished call is ignored.
///                    +----------------+
///   kind 4 goodbye   (no header, no body; silo -> caller) the silo is stopping and has stopped reading this
///                    connection: every request it read has been answered by a response sent before this frame, so a
///                    request still unanswered was never read and never ran (the caller may send it elsewhere). The
///                    silo closes the connection next. A silo that cannot finish the calls it read closes without it.
/// </code>
/// </remarks>
internal static class FrameFormat
{
    /// <summary>The frame version byte. A receiver closes the connection on any other value.</summary>
    public const byte Version = 1;

    /// <summary>The protocol version in the preamble; a silo rejects any other.</summary>
    public const ushort ProtocolVersion = 1;

    /// <summary>"RUNL": tells a Runnel peer from anything else that connects.</summary>
    public static ReadOnlySpan<byte> Magic => "RUNL"u8;

    /// <summary>A preamble is a handful of short strings; 1 KiB leaves room and bounds what an unauthenticated
    /// peer can make the silo buffer.</summary>
    public const int MaxPreambleBytes = 1024;

    /// <summary>The length prefix.</summary>
    public const int LengthBytes = 4;

    /// <summary>Version and kind: the smallest frame.</summary>
    public const int MinFrameLength = 2;

    public const byte KindRequest = 1;
    public const byte KindResponse = 2;
    public const byte KindCancel = 3;
    public const byte KindGoodbye = 4;

    public const byte StatusOk = 0;
    public const byte StatusError = 1;

    public const byte RoleClient = 1;
    public const byte RoleSilo = 2;

    public const byte ReplyAccepted = 0;
    public const byte ReplyRejected = 1;
    public const byte ReplyUnavailable = 2;

    public const byte ErrorFlagRetriable = 1;
    public const byte ErrorFlagOutcomeUnknown = 2;
}
