using Microsoft.CodeAnalysis;

namespace Runnel.CodeGen;

internal static class Diagnostics
{
    private const string Category = "Runnel.CodeGen";

    public static readonly DiagnosticDescriptor UnsupportedMember = new(
        "RNL001", "Unsupported grain interface member",
        "Grain interface member '{0}' is not supported: {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotSerializable = new(
        "RNL002", "Type cannot be serialized",
        "Type '{0}' used by '{1}' cannot be serialized: use a built-in type, or mark it [GenerateSerializer] with [Id(n)] members",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MethodIdCollision = new(
        "RNL003", "Grain method id collision",
        "Methods '{0}' and '{1}' hash to the same method id 0x{2:x8}: rename one", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor BadSerializableType = new(
        "RNL004", "Invalid [GenerateSerializer] type",
        "[GenerateSerializer] type '{0}': {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
