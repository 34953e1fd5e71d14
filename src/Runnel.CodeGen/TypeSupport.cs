using Microsoft.CodeAnalysis;

namespace Runnel.CodeGen;

/// <summary>Which types the wire format can carry; mirrors Runnel.Serialization.WireCodecRegistry.</summary>
internal static class TypeSupport
{
    public const string GenerateSerializerAttribute = "Runnel.Serialization.GenerateSerializerAttribute";
    public const string IdAttribute = "Runnel.Serialization.IdAttribute";

    public static readonly SymbolDisplayFormat FullName = SymbolDisplayFormat.FullyQualifiedFormat;

    public static bool IsSerializable(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean:
            case SpecialType.System_Byte:
            case SpecialType.System_SByte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Char:
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_Decimal:
            case SpecialType.System_String:
            case SpecialType.System_DateTime:
                return true;
        }

        if (type is IArrayTypeSymbol array)
        {
            return array.Rank == 1 && IsSerializable(array.ElementType);
        }

        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        if (named.TypeKind == TypeKind.Enum)
        {
            return true;
        }

        var name = named.OriginalDefinition.ToDisplayString();
        switch (name)
        {
            case "System.Guid":
            case "System.TimeSpan":
            case "System.DateTimeOffset":
            case "Runnel.Serialization.NoResult":
                return true;
            case "System.ReadOnlyMemory<T>":
                return named.TypeArguments[0].SpecialType == SpecialType.System_Byte;
            case "System.Nullable<T>":
            case "System.Collections.Generic.List<T>":
            case "System.Collections.Generic.IReadOnlyList<T>":
                return IsSerializable(named.TypeArguments[0]);
            case "System.Collections.Generic.Dictionary<TKey, TValue>":
            case "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>":
                return IsSerializable(named.TypeArguments[0]) && IsSerializable(named.TypeArguments[1]);
        }

        return !named.IsGenericType && HasAttribute(named, GenerateSerializerAttribute);
    }

    public static bool HasAttribute(ISymbol symbol, string attributeFullName)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == attributeFullName)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The namespace generated code goes in: <c>{type's namespace}.RunnelGenerated</c>.</summary>
    public static string GeneratedNamespace(INamedTypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + ".RunnelGenerated" : "RunnelGenerated";

    /// <summary>A type's name with its containing types, as one identifier (<c>Outer_Inner</c>).</summary>
    public static string FlatName(INamedTypeSymbol type)
    {
        var name = type.Name;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = outer.Name + "_" + name;
        }

        return name;
    }

    /// <summary>Escapes a C# keyword used as an identifier.</summary>
    public static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

    public static bool IsAccessibleFromAssembly(INamedTypeSymbol type)
    {
        for (ISymbol? s = type; s is INamedTypeSymbol t; s = t.ContainingType)
        {
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }
}
