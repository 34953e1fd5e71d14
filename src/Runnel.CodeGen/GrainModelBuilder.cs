using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Runnel.CodeGen;

/// <summary>Turns a grain interface symbol into a <see cref="GrainInterfaceModel"/>, reporting what it cannot support.</summary>
internal static class GrainModelBuilder
{
    private const string GrainMarker = "Runnel.IGrain";
    private const string ReadOnlyAttribute = "Runnel.ReadOnlyAttribute";
    private const string AlwaysInterleaveAttribute = "Runnel.AlwaysInterleaveAttribute";
    private const string GrainTypeAttribute = "Runnel.GrainTypeAttribute";

    public static bool IsGrainInterface(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Interface)
        {
            return false;
        }

        var name = type.ToDisplayString();
        if (name is GrainMarker or "Runnel.IGrainWithStringKey")
        {
            return false;
        }

        return type.AllInterfaces.Any(i => i.ToDisplayString() == GrainMarker);
    }

    public static GrainInterfaceModel Build(INamedTypeSymbol type)
    {
        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        var location = type.Locations.FirstOrDefault();
        if (type.IsGenericType)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedMember, location, type.Name, "generic grain interfaces are not supported"));
        }

        if (!TypeSupport.IsAccessibleFromAssembly(type))
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedMember, location, type.Name, "a grain interface must be public or internal"));
        }

        var methods = ImmutableArray.CreateBuilder<GrainMethodModel>();
        var seen = new Dictionary<uint, string>();
        foreach (var iface in new[] { type }.Concat(type.AllInterfaces))
        {
            foreach (var member in iface.GetMembers())
            {
                if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary, IsStatic: false } method && (method.IsAbstract || method.IsVirtual))
                {
                    if (Method(iface, method, diagnostics) is { } model)
                    {
                        if (seen.TryGetValue(model.MethodId, out var other))
                        {
                            diagnostics.Add(Diagnostic.Create(Diagnostics.MethodIdCollision, method.Locations.FirstOrDefault(), other, model.Signature, model.MethodId));
                        }
                        else
                        {
                            seen.Add(model.MethodId, model.Signature);
                        }

                        methods.Add(model);
                    }
                }
                else if (member is IPropertySymbol or IEventSymbol && !member.IsStatic)
                {
                    diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedMember, member.Locations.FirstOrDefault(), member.Name, "grain interfaces may only have methods"));
                }
            }
        }

        var grainType = type.ToDisplayString();
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == GrainTypeAttribute && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string alias)
            {
                grainType = alias;
            }
        }

        var flat = TypeSupport.FlatName(type);
        var generatedName = flat.Length > 1 && flat[0] == 'I' && char.IsUpper(flat[1]) ? flat.Substring(1) : flat;
        return new GrainInterfaceModel(
            type.ToDisplayString(TypeSupport.FullName),
            TypeSupport.GeneratedNamespace(type),
            generatedName,
            grainType,
            methods.ToImmutable(),
            diagnostics.ToImmutable());
    }

    private static GrainMethodModel? Method(INamedTypeSymbol declaring, IMethodSymbol method, ImmutableArray<Diagnostic>.Builder diagnostics)
    {
        var location = method.Locations.FirstOrDefault();
        var returnName = method.ReturnType.OriginalDefinition.ToDisplayString();
        string? resultType;
        if (returnName == "System.Threading.Tasks.ValueTask")
        {
            resultType = null;
        }
        else if (returnName == "System.Threading.Tasks.ValueTask<TResult>")
        {
            var result = ((INamedTypeSymbol)method.ReturnType).TypeArguments[0];
            resultType = result.ToDisplayString(TypeSupport.FullName);
            if (!TypeSupport.IsSerializable(result))
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.NotSerializable, location, resultType, method.Name));
            }
        }
        else
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedMember, location, method.Name, "a grain method must return ValueTask or ValueTask<T>"));
            return null;
        }

        if (method.IsGenericMethod)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedMember, location, method.Name, "generic grain methods are not supported"));
            return null;
        }

        var parameters = ImmutableArray.CreateBuilder<ParameterModel>();
        string? cancellationTokenName = null;
        for (var i = 0; i < method.Parameters.Length; i++)
        {
            var parameter = method.Parameters[i];
            var typeName = parameter.Type.ToDisplayString(TypeSupport.FullName);
            if (parameter.RefKind != RefKind.None)
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedMember, location, method.Name, "ref, in and out parameters are not supported"));
                return null;
            }

            if (parameter.Type.ToDisplayString() == "System.Threading.CancellationToken")
            {
                if (i != method.Parameters.Length - 1)
                {
                    diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedMember, location, method.Name, "a CancellationToken must be the last parameter"));
                    return null;
                }

                cancellationTokenName = TypeSupport.Identifier(parameter.Name);
                continue;
            }

            if (!TypeSupport.IsSerializable(parameter.Type))
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.NotSerializable, location, typeName, method.Name + "(" + parameter.Name + ")"));
            }

            parameters.Add(new ParameterModel(TypeSupport.Identifier(parameter.Name), typeName));
        }

        var declaringName = declaring.ToDisplayString(TypeSupport.FullName);
        var signature = declaringName + "." + method.Name + "(" + string.Join(",", parameters.Select(p => p.Type)) + ")";
        return new GrainMethodModel(
            method.Name,
            declaringName,
            Fnv.Hash32(signature),
            signature,
            resultType,
            method.ReturnType.ToDisplayString(TypeSupport.FullName),
            parameters.ToImmutable(),
            cancellationTokenName,
            TypeSupport.HasAttribute(method, ReadOnlyAttribute),
            TypeSupport.HasAttribute(method, AlwaysInterleaveAttribute));
    }
}
