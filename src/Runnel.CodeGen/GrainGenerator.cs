using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Runnel.CodeGen;

/// <summary>
/// Generates, for the project it runs in: a proxy and a descriptor/invoker for every interface deriving from
/// <c>Runnel.IGrain</c>, a codec for every type marked <c>[GenerateSerializer]</c>, and one module initializer
/// that registers them all. Unsupported shapes are build errors (RNL001-RNL004).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class GrainGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var grains = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => node is InterfaceDeclarationSyntax { BaseList: not null },
                static (ctx, ct) => ctx.SemanticModel.GetDeclaredSymbol(ctx.Node, ct) is INamedTypeSymbol type && GrainModelBuilder.IsGrainInterface(type)
                    ? GrainModelBuilder.Build(type)
                    : null)
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .Collect();

        var serializers = context.SyntaxProvider.ForAttributeWithMetadataName(
                TypeSupport.GenerateSerializerAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, _) => SerializerModelBuilder.Build((INamedTypeSymbol)ctx.TargetSymbol))
            .Collect();

        var assemblyName = context.CompilationProvider.Select(static (c, _) => c.AssemblyName ?? "Assembly");

        context.RegisterSourceOutput(grains.Combine(serializers).Combine(assemblyName), static (spc, input) =>
        {
            var ((grainModels, serializerModels), assembly) = input;

            // A partial interface or type is found once per declaration: keep one.
            var uniqueGrains = grainModels.GroupBy(g => g.InterfaceFullName).Select(g => g.First()).ToList();
            var uniqueSerializers = serializerModels.GroupBy(s => s.TypeFullName).Select(s => s.First()).ToList();
            var failed = false;
            foreach (var diagnostic in uniqueGrains.SelectMany(g => g.Diagnostics).Concat(uniqueSerializers.SelectMany(s => s.Diagnostics)))
            {
                spc.ReportDiagnostic(diagnostic);
                failed = true;
            }

            if (failed || (uniqueGrains.Count == 0 && uniqueSerializers.Count == 0))
            {
                return;
            }

            foreach (var grain in uniqueGrains)
            {
                spc.AddSource(grain.GeneratedNamespace + "." + grain.GeneratedName + ".Grain.g.cs", Emitter.Grain(grain));
            }

            foreach (var serializer in uniqueSerializers)
            {
                spc.AddSource(serializer.GeneratedNamespace + "." + serializer.GeneratedName + ".g.cs", Emitter.Serializer(serializer));
            }

            spc.AddSource("RunnelRegistration.g.cs", Emitter.Registration(assembly, uniqueGrains, uniqueSerializers));
        });
    }
}
