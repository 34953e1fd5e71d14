using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Runnel.CodeGen;

// What the generator extracts from the compilation. Plain data: names are fully qualified (global::...).

internal sealed record GrainInterfaceModel(
    string InterfaceFullName,
    string GeneratedNamespace,
    string GeneratedName,
    string GrainType,
    ImmutableArray<GrainMethodModel> Methods,
    ImmutableArray<Diagnostic> Diagnostics);

internal sealed record GrainMethodModel(
    string Name,
    string DeclaringInterface,
    uint MethodId,
    string Signature,
    string? ResultType,
    string ReturnType,
    ImmutableArray<ParameterModel> Parameters,
    string? CancellationTokenName,
    bool IsReadOnly,
    bool IsAlwaysInterleave);

internal sealed record ParameterModel(string Name, string Type);

internal sealed record SerializerModel(
    string TypeFullName,
    string GeneratedNamespace,
    string GeneratedName,
    bool IsValueType,
    ImmutableArray<MemberModel> Members,
    ImmutableArray<string> ConstructorMembers,
    ImmutableArray<Diagnostic> Diagnostics);

internal sealed record MemberModel(string Name, string Type, uint Id, string Local);
