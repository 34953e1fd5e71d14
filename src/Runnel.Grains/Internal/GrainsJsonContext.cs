using System.Text.Json.Serialization;

namespace Runnel.Grains.Internal;

/// <summary>Source-generated JSON for the grains' blobs (no reflection): camelCase names, enums as strings.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(TopicMetadata))]
[JsonSerializable(typeof(ProducerStateSnapshot))]
[JsonSerializable(typeof(ProducerIdBlock))]
[JsonSerializable(typeof(GroupMember))]
[JsonSerializable(typeof(MemberRemoved))]
[JsonSerializable(typeof(GroupEpochChanged))]
[JsonSerializable(typeof(TargetAssignment))]
[JsonSerializable(typeof(OffsetsCommitted))]
[JsonSerializable(typeof(GroupSnapshot))]
[JsonSerializable(typeof(TransactionalOffsetsPending))]
[JsonSerializable(typeof(TransactionEnded))]
internal sealed partial class GrainsJsonContext : JsonSerializerContext;
