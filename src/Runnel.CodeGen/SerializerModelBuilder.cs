using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Runnel.CodeGen;

/// <summary>Turns a [GenerateSerializer] type into a <see cref="SerializerModel"/>.</summary>
internal static class SerializerModelBuilder
{
    public static SerializerModel Build(INamedTypeSymbol type)
    {
        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        var location = type.Locations.FirstOrDefault();
        var typeName = type.ToDisplayString(TypeSupport.FullName);
        void Fail(string why) => diagnostics.Add(Diagnostic.Create(Diagnostics.BadSerializableType, location, type.ToDisplayString(), why));

        if (type.IsGenericType)
        {
            Fail("generic types are not supported");
        }

        if (type.IsAbstract || type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            Fail("must be a concrete class, record or struct");
        }

        if (!TypeSupport.IsAccessibleFromAssembly(type))
        {
            Fail("must be public or internal");
        }

        // Ids on a positional record's parameters ([Id(0)] string Name) belong to the matching properties.
        var parameterIds = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var ctor in type.InstanceConstructors)
        {
            foreach (var parameter in ctor.Parameters)
            {
                if (IdOf(parameter) is { } id)
                {
                    parameterIds[parameter.Name] = id;
                }
            }
        }

        var members = new List<(ISymbol Symbol, ITypeSymbol Type, uint Id)>();
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            foreach (var member in t.GetMembers())
            {
                if (member.IsStatic || members.Any(m => m.Symbol.Name == member.Name))
                {
                    continue;
                }

                var memberType = member switch
                {
                    IPropertySymbol p when p.Parameters.IsEmpty => p.Type,
                    IFieldSymbol f => f.Type,
                    _ => null,
                };
                if (memberType is null)
                {
                    continue;
                }

                var id = IdOf(member) ?? (parameterIds.TryGetValue(member.Name, out var pid) ? pid : (uint?)null);
                if (id is null)
                {
                    continue;
                }

                if (member.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal))
                {
                    Fail($"member '{member.Name}' must be public or internal to be serialized");
                }

                if (!TypeSupport.IsSerializable(memberType))
                {
                    diagnostics.Add(Diagnostic.Create(Diagnostics.NotSerializable, member.Locations.FirstOrDefault() ?? location, memberType.ToDisplayString(), type.Name + "." + member.Name));
                }

                if (members.Any(m => m.Id == id.Value))
                {
                    Fail($"id {id.Value} is used twice");
                }

                members.Add((member, memberType, id.Value));
            }
        }

        members.Sort((a, b) => a.Id.CompareTo(b.Id));

        // Prefer the constructor that binds the most members by name (a positional record's primary constructor).
        IMethodSymbol? best = null;
        foreach (var ctor in type.InstanceConstructors)
        {
            if (ctor.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal) || IsCopyConstructor(ctor, type))
            {
                continue;
            }

            if (ctor.Parameters.All(p => members.Any(m => string.Equals(m.Symbol.Name, p.Name, StringComparison.OrdinalIgnoreCase)))
                && (best is null || ctor.Parameters.Length > best.Parameters.Length))
            {
                best = ctor;
            }
        }

        if (best is null && !type.IsValueType)
        {
            Fail("needs a constructor whose parameters all match serialized members by name, or a parameterless one");
        }

        var ctorMembers = best?.Parameters
            .Select(p => members.First(m => string.Equals(m.Symbol.Name, p.Name, StringComparison.OrdinalIgnoreCase)).Symbol.Name)
            .ToImmutableArray() ?? ImmutableArray<string>.Empty;

        foreach (var (symbol, _, _) in members)
        {
            if (ctorMembers.Contains(symbol.Name))
            {
                continue;
            }

            var settable = symbol switch
            {
                IPropertySymbol p => p.SetMethod is { DeclaredAccessibility: Accessibility.Public or Accessibility.Internal },
                IFieldSymbol f => !f.IsReadOnly && !f.IsConst,
                _ => false,
            };
            if (!settable)
            {
                Fail($"member '{symbol.Name}' is neither a constructor parameter nor settable");
            }
        }

        var modelMembers = members
            .Select((m, i) => new MemberModel(TypeSupport.Identifier(m.Symbol.Name), m.Type.ToDisplayString(TypeSupport.FullName), m.Id, "m" + i))
            .ToImmutableArray();
        return new SerializerModel(
            typeName,
            TypeSupport.GeneratedNamespace(type),
            TypeSupport.FlatName(type) + "WireCodec",
            type.IsValueType,
            modelMembers,
            ctorMembers.Select(TypeSupport.Identifier).ToImmutableArray(),
            diagnostics.ToImmutable());
    }

    private static uint? IdOf(ISymbol symbol)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == TypeSupport.IdAttribute && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is uint id)
            {
                return id;
            }
        }

        return null;
    }

    private static bool IsCopyConstructor(IMethodSymbol ctor, INamedTypeSymbol type) =>
        ctor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(ctor.Parameters[0].Type, type);
}
